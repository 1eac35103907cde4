"""French and English on the web side (issue 11, item 5): the browser's language, the
switcher (Django's set_language, a plain form), and the API always in English."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from tests.support.factories import UserFactory


@pytest.fixture(autouse=True)
def _plain_http(settings):
    settings.SECURE_SSL_REDIRECT = False


def test_languages_are_english_and_french():
    assert [code for code, _ in settings.LANGUAGES] == ["en", "fr"]
    assert "config.locale.WebLocaleMiddleware" in settings.MIDDLEWARE


@pytest.mark.django_db
def test_the_login_page_follows_the_browser_language(client):
    french = client.get(reverse("web:login"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert french["Content-Language"] == "fr"
    assert '<html lang="fr">' in french.content.decode()
    assert "Se connecter" in french.content.decode()
    english = client.get(reverse("web:login"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert english["Content-Language"] == "en"
    assert "Sign in" in english.content.decode()


@pytest.mark.django_db
def test_the_switcher_choice_wins_over_the_browser(client):
    client.force_login(UserFactory(username="m-fr", role="marketing"))
    board = reverse("board:index")
    response = client.post(reverse("set_language"), {"language": "en", "next": board})
    assert response.status_code == 302
    assert response["Location"] == board
    page = client.get(board, HTTP_ACCEPT_LANGUAGE="fr")
    assert page["Content-Language"] == "en"
    client.post(reverse("set_language"), {"language": "fr", "next": board})
    page = client.get(board, HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "fr"
    assert "Comité" in page.content.decode() or "comité" in page.content.decode()


@pytest.mark.django_db
def test_the_switcher_is_a_form_on_every_page(client):
    page = client.get(reverse("web:login")).content.decode()
    assert 'data-testid="language-switcher"' in page
    assert f'action="{reverse("set_language")}"' in page


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/items/", "/api/v1/no-such-thing/"])
def test_the_api_answers_in_english_whatever_the_browser_or_the_switcher_says(client, url):
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert french.status_code == english.status_code
    assert french.content == english.content
    assert french["Content-Language"] == "en"
    assert "Accept-Language" not in french.get("Vary", "")
