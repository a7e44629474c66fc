import pytest

from tests.factories import SeasonFactory


@pytest.mark.django_db
def test_home_shows_the_current_phase(client):
    SeasonFactory(phase="voting")
    response = client.get("/")
    assert response.status_code == 200
    assert "Народное голосование" in response.content.decode()
