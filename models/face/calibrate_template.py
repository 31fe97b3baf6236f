"""Measure where BlazeFace's eye, nose and mouth points fall in dlib's 150x150 face chip.

Dev-time only (needs dlib-bin and face-recognition-models, the reference pipeline):

    .venv/bin/python -m models.face.calibrate_template IMAGE...

Prints the median template to paste into align.TEMPLATE.
"""
from __future__ import annotations

import sys

import numpy as np

from models.face.align import CHIP_SIZE, TEMPLATE_POINTS, similarity_transform
from models.face.detect import MODEL_FILE, FaceDetector
from models.face.pipeline import read_image
from models.runtime import MODELS_DIR, TFLiteModel

# dlib's get_face_chip_details template for the 5-point shape model.
DLIB_5POINT = np.array([
    [0.8595674595992, 0.2134981538014],
    [0.6460604764104, 0.2289674387677],
    [0.1205750620789, 0.2137274526848],
    [0.3340850613712, 0.2290642403242],
    [0.4901123135679, 0.6277975316475],
])
DLIB_PADDING = 0.25


def dlib_chip_points(size: int = CHIP_SIZE) -> np.ndarray:
    return (DLIB_PADDING + DLIB_5POINT) / (2 * DLIB_PADDING + 1) * size


def main(paths: list[str]) -> None:
    import dlib
    import face_recognition_models as frm

    hog = dlib.get_frontal_face_detector()
    shape5 = dlib.shape_predictor(frm.pose_predictor_five_point_model_location())
    detector = FaceDetector(TFLiteModel(MODELS_DIR / MODEL_FILE))
    mapped = []
    for path in paths:
        image = read_image(path)
        for rect in hog(image, 1):
            shape = shape5(image, rect)
            pts = np.array([[shape.part(i).x, shape.part(i).y] for i in range(5)], dtype=np.float64)
            centre = pts.mean(0)
            # Detect on a crop where the face fills the frame, as it does at the kiosk.
            half = rect.width() * 1.2
            x0, y0 = int(max(0, centre[0] - half)), int(max(0, centre[1] - half))
            crop = image[y0:int(centre[1] + half), x0:int(centre[0] + half)]
            faces = detector.detect(crop)
            for face in faces:
                face.keypoints[:] += (x0, y0)
            near = [f for f in faces if np.linalg.norm(f.keypoints[:2].mean(0) - centre) < rect.width() / 3]
            if not near:
                continue
            matrix = similarity_transform(pts, dlib_chip_points())
            kp = near[0].keypoints[list(TEMPLATE_POINTS)].astype(np.float64)
            mapped.append(kp @ matrix[:, :2].T + matrix[:, 2])
    stack = np.stack(mapped)
    if "-v" in sys.argv:
        for row in stack:
            print(np.round(row.ravel(), 1).tolist())
    print(f"# {len(stack)} faces; per-point std (px): {np.round(stack.std(0).mean(1), 2).tolist()}")
    print(np.array2string(np.round(np.median(stack, axis=0), 2), separator=", "))


if __name__ == "__main__":
    main([p for p in sys.argv[1:] if p != "-v"])
