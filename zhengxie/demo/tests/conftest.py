import pytest

from zhengxie.textindex import features


@pytest.fixture(autouse=True)
def fresh_document_frequencies():
    """Seeding writes term statistics that roll back with the test; forget what was cached from them."""
    yield
    features.DOC_FREQ.reset()
