"""Plate reading: HyperLPR's detector and corner refiner (Caffe, cv2.dnn), then a recogniser.

Three stages: a MobileNet-SSD finds plates in the frame, a small regression net finds the
four corners so the plate can be rectified, and a CTC recogniser reads it. The recogniser is
PaddleOCR's PP-OCRv4 mobile model (ppocr.py, LiteRT) by default; HyperLPR v1's own
recogniser stays available (recogniser="hyperlpr", the [firelane] plate_recogniser setting)
for one release so a community can compare, and gives the second opinion: a read both
recognisers agree on is marked ``agree``, which the owner-matching rule trusts.

Measured on real photos (tests/models/plates/scenes, bench_plates_real) and on the synthetic
set (bench_plates): see the figures there and in the README.

History of the HyperLPR-only reader:

Synthetic bench, reporting seed 2018 (bench_plates), before -> after the full affine first
refinement and the beam decode (decode.py), on the generator with the GA 36 dot/row fix:
clear 78.3% -> 76.7% exact (96.4% -> 96.6% per character), all conditions 60.6% -> 61.4%,
blue 78.3% -> 74.2%, yellow 54.2% -> 55.0%, green 49.2% -> 55.0%. Speed unchanged side by
side (the recorded ms/plate was taken with the shared machine loaded). Clear plates stay far
from 95%: most misses are province glyphs (琼->京, 桂->甘) and letter pairs the grammar
allows both ways (M/N, Q/0 in the serial); the recogniser, not the decoding, sets the limit.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from models.errors import ModelError
from models.manifest import load_manifest, model_path
from models.plates import decode
from models.plates.ppocr import PPOCRRecogniser

logger = logging.getLogger(__name__)

# Output classes of the recogniser, in order (HyperLPR's table); index 84 is the CTC blank.
CHARS = (
    "京沪津渝冀晋蒙辽吉黑苏浙皖闽赣鲁豫鄂湘粤桂琼川贵云藏陕甘青宁新"
    "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    "港学使警澳挂军北南广沈兰成济海民航空"
)

PLATE_SIDE_MARGIN = 4  # pixels of the 136-pixel-wide rectified plate
# Fraction of the refined plate width added on the left of green plates (tuned on another
# seed than the bench's: 0.08-0.14 read alike, 0.1 best).
GREEN_LEFT_EXTENSION = 0.1
RECOGNISERS = ("ppocr", "hyperlpr")
# The PP-OCR crop: the refined corners land on the characters' outer edges, so the crop keeps
# a band of plate around them (fractions of the output size), wider on the left of a green
# plate whose province character the refiner tends to cut. Chosen once from the geometry
# (a glyph cut at the border is misread), not fitted to the evaluation photos.
PPOCR_SIZE = (176, 48)
PPOCR_MARGIN_X = 0.05
PPOCR_MARGIN_Y = 0.1
PPOCR_GREEN_LEFT = 0.1
_SSD_MEAN = np.array([0.485, 0.456, 0.406], np.float32)  # RGB
_SSD_STD = np.array([0.229, 0.224, 0.225], np.float32)


@dataclass(frozen=True)
class PlateRead:
    text: str
    confidence: float
    box: tuple[int, int, int, int]
    char_confidences: tuple[float, ...] = ()
    second: str = ""  # the other recogniser's read of the same crop ("" when not asked)
    agree: bool = False  # both recognisers read exactly this text
    sharpness: float = 0.0  # variance of the Laplacian of the plate crop (blur lowers it)


def _load_caffe(manifest: dict, entry: str) -> cv2.dnn.Net:
    proto = model_path(entry, "prototxt", manifest)
    weights = model_path(entry, "weights", manifest)
    try:
        net = cv2.dnn.readNetFromCaffe(str(proto), str(weights))
    except cv2.error as exc:
        raise ModelError(f"cannot load {entry}: {exc}") from exc
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    return net


def plate_colour(plate: np.ndarray) -> str:
    """Background colour of a rectified plate: blue, yellow, green or unknown.

    The median hue of the saturated pixels: the ground covers most of the plate. Green
    new-energy plates fade to white at the top, so their saturated part is the lower half.
    """
    hsv = cv2.cvtColor(plate, cv2.COLOR_BGR2HSV)
    saturated = hsv[..., 1] > 60
    if saturated.mean() < 0.15:
        return "unknown"  # grey, washed out or too dark to tell
    hue = float(np.median(hsv[..., 0][saturated]))  # OpenCV hue is 0..180
    if 35 <= hue <= 90:
        return "green"
    if 90 < hue <= 135:
        return "blue"
    if 12 <= hue < 35:
        return "yellow"
    return "unknown"


def _fit_affine(src: np.ndarray, dst: np.ndarray) -> np.ndarray | None:
    """Least-squares affine map (six parameters) of the four corners onto the target.

    HyperLPR's own pipeline warps the first refinement with a full affine map
    (estimateRigidTransform with fullAffine), so the second refinement pass sees the plate
    stretched onto the box it was trained on, whatever the plate's aspect and shear. A
    similarity (rotation, scale, shift) leaves the plate at its own aspect and skew
    (tuning seed, 1080 plates: all conditions 59.3% -> 61.6% exact, clear 72.8% -> 71.7%).
    """
    a = np.hstack([src, np.ones((len(src), 1), np.float32)])
    sol, _res, rank, _sv = np.linalg.lstsq(a, dst, rcond=None)
    if rank < 3 or not np.all(np.isfinite(sol)):
        return None
    return sol.T.astype(np.float32)


class PlateReader:
    """Finds and reads the plates in a BGR frame. Holds three small nets; not thread-safe."""

    def __init__(self, manifest: dict | None = None, min_score: float = 0.3,
                 detect_size: int = 640, constrained: bool = True, recogniser: str = "ppocr",
                 second_opinion: bool = True):
        if recogniser not in RECOGNISERS:
            raise ModelError(f"unknown plate recogniser {recogniser!r}")
        manifest = manifest if manifest is not None else load_manifest()
        self.detector = _load_caffe(manifest, "plates.detector")
        self.refiner = _load_caffe(manifest, "plates.refiner")
        # HyperLPR's recogniser: the old reader, and the second opinion of the new one.
        self.recogniser = _load_caffe(manifest, "plates.recogniser")
        self.ppocr = PPOCRRecogniser(manifest) if recogniser == "ppocr" else None
        self.second_opinion = second_opinion
        self.min_score = min_score
        self.detect_size = detect_size
        self.constrained = constrained

    # -- detection ------------------------------------------------------------------------
    def detect(self, image: np.ndarray) -> list[tuple[float, tuple[int, int, int, int]]]:
        """(score, box) for each plate; the SSD sees the image at detect_size on the long side.

        When nothing is found, the SSD looks once more at the negative picture: it was trained
        mostly on blue plates (light type on a dark ground) and misses many green new-energy
        plates (dark type on a light ground), which the negative turns into that look
        (measured on synthetic plates: green found 73% -> 99%, no extra false plates).
        """
        found = self._detect(image)
        if not found:
            found = self._detect(255 - image)
        return found

    def _detect(self, image: np.ndarray) -> list[tuple[float, tuple[int, int, int, int]]]:
        rows, cols = image.shape[:2]
        # Vehicle crops are small: enlarging them (up to 2x) finds more small and green plates.
        scale = min(2.0, self.detect_size / max(rows, cols))
        small = image if scale == 1.0 else cv2.resize(
            image, (round(cols * scale), round(rows * scale)),
            interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        rgb = cv2.cvtColor(small, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0
        blob = ((rgb - _SSD_MEAN) / _SSD_STD).transpose(2, 0, 1)[None]
        try:
            self.detector.setInput(np.ascontiguousarray(blob))
            out = self.detector.forward()
        except cv2.error as exc:
            raise ModelError(f"plate detector failed: {exc}") from exc
        found = []
        for det in out[0, 0]:
            score = float(det[2])
            if score < self.min_score:
                continue
            x1 = int(np.clip(det[3], 0, 1) * (cols - 1))
            y1 = int(np.clip(det[4], 0, 1) * (rows - 1))
            x2 = int(np.clip(det[5], 0, 1) * (cols - 1))
            y2 = int(np.clip(det[6], 0, 1) * (rows - 1))
            if x2 - x1 >= 8 and y2 - y1 >= 4:
                found.append((score, (x1, y1, x2, y2)))
        return found

    # -- rectification --------------------------------------------------------------------
    @staticmethod
    def _loose_crop(image, box, aspect=120 / 48, padding=1.7):
        x1, y1, x2, y2 = box
        cx, cy = (x1 + x2) // 2, (y1 + y2) // 2
        if (x2 - x1) / max(1, y2 - y1) > aspect:
            w = int((x2 - x1) * padding)
            h = int(w / aspect)
        else:
            h = int((y2 - y1) * padding)
            w = int(h * aspect)
        # Pad instead of clipping so a plate at the frame edge keeps its place in the crop.
        pad = max(w, h)
        padded = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        return padded[cy - h // 2 + pad: cy + h // 2 + pad, cx - w // 2 + pad: cx + w // 2 + pad]

    def _corners(self, crop: np.ndarray) -> np.ndarray:
        h, w = crop.shape[:2]
        blob = cv2.dnn.blobFromImage(cv2.resize(crop, (120, 48)), 0.0078125, (120, 48),
                                     (127.5, 127.5, 127.5), False, False)
        self.refiner.setInput(blob)
        return self.refiner.forward("conv6-3").reshape(4, 2) * np.array([w, h], np.float32)

    def rectify(self, crop: np.ndarray) -> np.ndarray:
        """Two refinement passes, then a perspective warp of the plate to 136x36."""
        return self._rectify(crop)[0]

    def _rectify(self, crop: np.ndarray) -> tuple[np.ndarray, str]:
        """(rectified plate, background colour). Green plates are rectified wider on the left."""
        plate, colour, _g, _pts = self._rectify_full(crop)
        return plate, colour

    def _rectify_full(self, crop: np.ndarray):
        """(136x36 plate, colour, first-pass warp, refined corners in it)."""
        pts = self._corners(crop)
        scale = 3.0
        target = np.array([[32, 12], [96, 12], [96, 36], [32, 36]], np.float32) * scale
        mat = _fit_affine(pts.astype(np.float32), target)
        if mat is None:
            raise ModelError("plate corners could not be fitted")
        g = cv2.warpAffine(crop, mat, (int(120 * scale), int(48 * scale)))
        pts = self._corners(g)
        # A small side margin: the refined corners sit on the characters' outer edges, and a
        # glyph cut at the border is misread (measured on synthetic plates: bench_plates).
        m = PLATE_SIDE_MARGIN
        dst = np.array([[m, 0], [136 - m, 0], [136 - m, 36], [m, 36]], np.float32)
        pts = pts.astype(np.float32)
        refined = pts.copy()
        plate = cv2.warpPerspective(g, cv2.getPerspectiveTransform(pts, dst), (136, 36))
        colour = plate_colour(plate)
        if colour == "green":
            # The refiner learnt 7-character plates; on the longer 8-character green plate its
            # left corners land inside the province character. Move the left edge out.
            top, bottom = pts[1] - pts[0], pts[2] - pts[3]
            pts[0] -= top * GREEN_LEFT_EXTENSION
            pts[3] -= bottom * GREEN_LEFT_EXTENSION
            plate = cv2.warpPerspective(g, cv2.getPerspectiveTransform(pts, dst), (136, 36))
        return plate, colour, g, refined

    @staticmethod
    def wide_crop(g: np.ndarray, pts: np.ndarray, colour: str) -> np.ndarray:
        """The plate for PP-OCR: the refined corners mapped inside a band of margin."""
        w, h = PPOCR_SIZE
        left = PPOCR_MARGIN_X + (PPOCR_GREEN_LEFT if colour == "green" else 0.0)
        dst = np.array([[left * w, PPOCR_MARGIN_Y * h], [(1 - PPOCR_MARGIN_X) * w, PPOCR_MARGIN_Y * h],
                        [(1 - PPOCR_MARGIN_X) * w, (1 - PPOCR_MARGIN_Y) * h],
                        [left * w, (1 - PPOCR_MARGIN_Y) * h]], np.float32)
        return cv2.warpPerspective(g, cv2.getPerspectiveTransform(pts.astype(np.float32), dst), (w, h),
                                   borderMode=cv2.BORDER_REPLICATE)

    # -- recognition ----------------------------------------------------------------------
    def char_probs(self, plate: np.ndarray, colour: str = "unknown") -> np.ndarray:
        """Recogniser output for a rectified plate: (time, 84) probabilities, blank last.

        The recogniser sees the plate in grey, as light type on a dark ground (yellow plates
        inverted): colour adds nothing to the shapes, and the synthetic set reads better so
        (bench_plates, tuning seed: blue 83% -> 93%, yellow 63% -> 75% exact on clear plates).
        """
        grey = cv2.cvtColor(plate, cv2.COLOR_BGR2GRAY)
        if colour == "yellow":
            grey = 255 - grey
        plate = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
        temp = cv2.resize(plate, (160, 40)).transpose(1, 0, 2)
        blob = cv2.dnn.blobFromImage(temp, 1 / 255.0, (40, 160), (0, 0, 0), False, False)
        self.recogniser.setInput(blob)
        return np.squeeze(self.recogniser.forward()[0][:, 2:, :]).T

    def recognise(self, plate: np.ndarray, colour: str | None = None
                  ) -> tuple[str, float, tuple[float, ...]]:
        """Text, mean character confidence, and each character's confidence.

        ``colour`` (blue, yellow, green; None: find it) limits the layouts: a green plate is
        new-energy with 8 characters, a blue or yellow one has 7.
        """
        if colour is None:
            colour = plate_colour(plate)
        probs = self.char_probs(plate, colour)
        if self.constrained:
            text, conf, _layout = decode.constrained(probs, CHARS,
                                                     decode.LAYOUTS_BY_COLOUR.get(colour))
        else:
            text, conf = decode.greedy(probs, CHARS)
        if not text:
            return "", 0.0, ()
        return text, float(np.mean(conf)), tuple(conf)

    def recognise_ppocr(self, plate: np.ndarray, colour: str = "unknown"
                        ) -> tuple[str, float, tuple[float, ...]]:
        """PP-OCR's reading of a wide plate crop, decoded under the GA 36 layouts.

        The colour only ever removes the 8-character layouts (a blue or yellow plate is never
        new-energy). It never forces them: on real photos the colour test takes dark or
        washed-out blue plates for green, and a forced 8-character layout garbles them.
        """
        if self.ppocr is None:
            raise ModelError("this reader was made without the PP-OCR recogniser")
        probs = self.ppocr.char_probs(plate)
        if self.constrained:
            layouts = decode.LAYOUTS_BY_COLOUR[colour] if colour in ("blue", "yellow") else None
            text, conf, _layout = decode.constrained(probs, CHARS, layouts)
        else:
            text, conf = decode.greedy(probs, CHARS)
        if not text:
            return "", 0.0, ()
        return text, float(np.mean(conf)), tuple(conf)

    def read_crop(self, crop: np.ndarray, box=(0, 0, 0, 0)) -> PlateRead | None:
        """Read the plate in a loose crop around it (refine, rectify, recognise)."""
        plate, colour, g, pts = self._rectify_full(crop)
        sharp = float(cv2.Laplacian(cv2.cvtColor(plate, cv2.COLOR_BGR2GRAY), cv2.CV_32F).var())
        if self.ppocr is None:
            text, conf, per_char = self.recognise(plate, colour)
            return PlateRead(text, conf, box, per_char, sharpness=sharp) if text else None
        text, conf, per_char = self.recognise_ppocr(self.wide_crop(g, pts, colour), colour)
        if not text:
            return None
        second = self.recognise(plate, colour)[0] if self.second_opinion else ""
        return PlateRead(text, conf, box, per_char, second, second == text, sharp)

    def read(self, image: np.ndarray) -> list[PlateRead]:
        if image is None or image.ndim != 3 or image.shape[2] != 3:
            raise ModelError("read expects a BGR image")
        reads = []
        for _score, box in self.detect(image):
            crop = self._loose_crop(image, box)
            if crop.size == 0:
                continue
            try:
                found = self.read_crop(crop, box)
            except cv2.error as exc:
                logger.debug("plate at %s could not be read: %s", box, exc)
                continue
            if found is not None:
                reads.append(found)
        return reads


def read_plates(image: np.ndarray, reader: PlateReader | None = None
                ) -> list[tuple[str, float, tuple[int, int, int, int]]]:
    """(text, confidence, box) per plate found, best first. Pass a reader to reuse the nets."""
    reader = reader or PlateReader()
    reads = sorted(reader.read(image), key=lambda r: r.confidence, reverse=True)
    return [(r.text, r.confidence, r.box) for r in reads]
