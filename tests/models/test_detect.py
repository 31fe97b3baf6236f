import numpy as np

from models.face.detect import LEFT_EYE, MOUTH, NOSE_TIP, RIGHT_EYE, ssd_anchors, weighted_nms


def test_anchor_grid_matches_model_outputs():
    anchors = ssd_anchors()
    assert anchors.shape == (896, 2)
    assert anchors.min() > 0 and anchors.max() < 1


def test_finds_the_face_and_its_landmarks_in_a_real_portrait(face_pipeline, photo):
    image = photo("obama.jpg")
    faces = face_pipeline.detector.detect(image)
    assert len(faces) == 1
    face = faces[0]
    x1, y1, x2, y2 = face.box
    kp = face.keypoints
    # Landmarks lie inside the box, eyes above nose above mouth, subject's right eye on the image left.
    assert np.all((kp[:4, 0] > x1) & (kp[:4, 0] < x2) & (kp[:4, 1] > y1) & (kp[:4, 1] < y2))
    assert kp[RIGHT_EYE, 0] < kp[LEFT_EYE, 0]
    assert max(kp[RIGHT_EYE, 1], kp[LEFT_EYE, 1]) < kp[NOSE_TIP, 1] < kp[MOUTH, 1]
    # The face is in the upper part of this portrait, roughly a quarter of its width.
    assert y2 < image.shape[0] / 2
    assert 0.2 < face.width / image.shape[1] < 0.45


def test_detection_follows_the_face_when_the_picture_is_shifted(face_pipeline, photo):
    image = photo("biden.jpg")[:1400]
    base = face_pipeline.detector.detect(image)[0]
    shifted = np.zeros_like(image)
    shifted[:, 100:] = image[:, :-100]
    moved = face_pipeline.detector.detect(shifted)[0]
    # Within a few percent of the face size: the model sees the frame at 128 px.
    shift = moved.keypoints[:2].mean(0) - base.keypoints[:2].mean(0)
    assert abs(shift[0] - 100) < 0.06 * base.width and abs(shift[1]) < 0.06 * base.width


def test_no_face_in_a_blank_or_noisy_frame(face_pipeline):
    rng = np.random.default_rng(0)
    assert face_pipeline.detector.detect(np.full((480, 640, 3), 128, np.uint8)) == []
    assert face_pipeline.detector.detect(rng.integers(0, 255, (480, 640, 3), dtype=np.uint8)) == []


def test_finds_several_people_in_a_group_photo(face_pipeline, photo):
    image = photo("sample6.jpg")
    # Cropped to the people so faces are large enough for the short-range model.
    faces = face_pipeline.detector.detect(image[200:900])
    assert len(faces) >= 3


def test_nms_merges_overlapping_candidates_into_one():
    boxes = np.array([[0.1, 0.1, 0.3, 0.3], [0.11, 0.1, 0.31, 0.3], [0.6, 0.6, 0.8, 0.8]])
    scores = np.array([0.9, 0.8, 0.7])
    kps = np.zeros((3, 6, 2))
    merged = weighted_nms(boxes, scores, kps, 0.3)
    assert len(merged) == 2
    assert 0.1 < merged[0][0][0] < 0.11
