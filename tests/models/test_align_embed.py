import cv2
import numpy as np
import pytest

from models.errors import NoFaceFound
from models.face import DIFFERENT, SAME, Thresholds, compare
from models.face.align import TEMPLATE, align, similarity_transform
from models.face.match import cosine


def test_similarity_transform_recovers_rotation_scale_and_shift():
    src = np.array([[10.0, 10.0], [50.0, 12.0], [30.0, 40.0], [31.0, 60.0]])
    angle = np.radians(20)
    rot = 1.7 * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    dst = src @ rot.T + [5.0, -3.0]
    matrix = similarity_transform(src, dst)
    assert np.allclose(matrix[:, :2], rot, atol=1e-9)
    assert np.allclose(matrix[:, 2], [5.0, -3.0], atol=1e-9)


def test_aligned_chip_puts_the_landmarks_on_the_template(face_pipeline, photo):
    image = photo("obama2.jpg")
    face = face_pipeline.detector.detect(image)[0]
    chip = align(image, face.keypoints)
    again = face_pipeline.detector.detect(cv2.copyMakeBorder(chip, 75, 75, 75, 75, cv2.BORDER_REPLICATE))[0]
    eyes = again.keypoints[:2] - 75
    assert np.abs(eyes - TEMPLATE[:2]).max() < 6


def test_same_person_in_different_photos_is_same(face_pipeline, photo):
    similarity, decision = compare(photo("obama.jpg"), photo("obama2.jpg"), pipeline=face_pipeline)
    assert decision == SAME and similarity > 0.955


def test_different_people_are_different(face_pipeline, photo):
    similarity, decision = compare(photo("obama.jpg"), photo("biden.jpg"), pipeline=face_pipeline)
    assert decision == DIFFERENT and similarity < 0.9


def test_compare_accepts_paths_and_loads_models_itself(pictures):
    similarity, decision = compare(pictures / "obama3.jpg", pictures / "obama.jpg")
    assert decision == SAME


def test_rotated_and_darkened_photo_still_matches(face_pipeline, photo):
    image = photo("obama3.jpg")
    h, w = image.shape[:2]
    rotated = cv2.warpAffine(image, cv2.getRotationMatrix2D((w / 2, h / 3), 15, 1.0), (w, h))
    darker = (rotated * 0.6).astype(np.uint8)
    a = face_pipeline.embed_image(image)
    b = face_pipeline.embed_image(darker)
    assert cosine(a, b) > 0.955


def test_unknown_band_between_thresholds(face_pipeline, photo):
    similarity, _ = compare(photo("obama.jpg"), photo("biden.jpg"), pipeline=face_pipeline)
    band = Thresholds(accept=similarity + 0.01, reject=similarity - 0.01)
    _, decision = compare(photo("obama.jpg"), photo("biden.jpg"), band, pipeline=face_pipeline)
    assert decision == "unknown"


def test_picture_without_face_raises_no_face_found(face_pipeline, photo):
    landscape = np.full((400, 600, 3), 90, np.uint8)
    with pytest.raises(NoFaceFound):
        compare(photo("obama.jpg"), landscape, pipeline=face_pipeline)


def test_embedding_is_unit_length_and_deterministic(face_pipeline, photo):
    a = face_pipeline.embed_image(photo("biden.jpg"))
    b = face_pipeline.embed_image(photo("biden.jpg"))
    assert a.shape == (128,)
    assert abs(np.linalg.norm(a) - 1) < 1e-5
    assert np.array_equal(a, b)
