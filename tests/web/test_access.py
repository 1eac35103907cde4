"""Who signs in to the web side: one login page for product and marketing, integration
accounts never get a session, `/` and the admin's "View site" lead to the board."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.support.factories import UserFactory

PASSWORD = "correct-horse-battery"
PAGES = [
    reverse("board:index"),
    reverse("board:launches"),
    reverse("board:outcomes"),
    reverse("evidence:submit"),
    reverse("evidence:submit_signal"),
    reverse("evidence:import"),
    reverse("my_evidence:index"),
]


@pytest.fixture(autouse=True)
def _debug(settings):
    settings.SECURE_SSL_REDIRECT = False


@pytest.mark.django_db
def test_root_leads_to_the_board_and_anonymous_to_the_login_with_next(client):
    response = client.get("/", follow=True)
    assert response.redirect_chain[0][0] == reverse("board:index")
    final = response.redirect_chain[-1][0]
    assert final.startswith(reverse("web:login"))
    assert "next=/board/" in final


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_go_to_the_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login") + "?next=")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["product", "marketing"])
@pytest.mark.parametrize("url", PAGES)
def test_product_and_marketing_users_see_every_page(client, role, url):
    client.force_login(UserFactory(username=f"u-{role}", role=role))
    response = client.get(url)
    assert response.status_code == 200
    assert "Content-Security-Policy" in response
    page = response.content.decode()
    assert "<script>" not in page
    assert "style=" not in page
    assert "<style" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_an_existing_integration_session_is_refused_and_ended(client, url):
    bot = UserFactory(username="bot", role="integration", is_staff=True)
    client.force_login(bot)
    response = client.get(url)
    assert response.status_code == 403
    assert b"Integration accounts use the API" in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "allowed"), [("product", True), ("marketing", True)])
def test_login_page_signs_in_product_and_marketing(client, role, allowed):
    UserFactory(username=f"login-{role}", role=role)
    page = client.get(reverse("web:login"))
    assert page.status_code == 200
    assert b'data-testid="login-form"' in page.content
    response = client.post(
        reverse("web:login"), {"username": f"login-{role}", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("board:index")
    assert client.get(reverse("board:index")).status_code == 200


@pytest.mark.django_db
def test_login_follows_next(client, marketing_user):
    response = client.post(
        reverse("web:login") + "?next=/evidence/mine/",
        {"username": "marketer", "password": PASSWORD, "next": "/evidence/mine/"},
    )
    assert response["Location"] == "/evidence/mine/"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["integration", None])
def test_integration_and_roleless_accounts_are_refused_at_login(client, role):
    UserFactory(username="nobody", role=role, is_staff=True)
    response = client.post(reverse("web:login"), {"username": "nobody", "password": PASSWORD})
    assert response.status_code == 200
    assert b'data-testid="login-error"' in response.content
    assert b"Integration accounts use the API" in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_wrong_passwords_lock_the_login_out(client, settings, marketing_user):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("web:login"), {"username": "marketer", "password": "wrong"})
    response = client.post(reverse("web:login"), {"username": "marketer", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_logout_is_a_post_and_ends_the_session(client, marketing_user):
    client.force_login(marketing_user)
    assert client.get(reverse("web:logout")).status_code == 405
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("web:login")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_navigation_shows_the_admin_to_product_only(client, product_user, marketing_user):
    client.force_login(product_user)
    page = client.get(reverse("board:index")).content.decode()
    assert 'data-testid="nav-admin"' in page
    assert 'data-testid="nav-my-evidence"' in page
    client.force_login(marketing_user)
    page = client.get(reverse("board:index")).content.decode()
    assert 'data-testid="nav-admin"' not in page
    for testid in ("nav-submit", "nav-import", "nav-my-evidence", "logout"):
        assert f'data-testid="{testid}"' in page


@pytest.mark.django_db
def test_admin_view_site_leads_to_the_board(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert 'href="/"' in page


@pytest.mark.django_db
def test_marketing_may_read_but_not_publish(client, marketing_user):
    client.force_login(marketing_user)
    assert client.get(reverse("board:publish")).status_code == 200
    assert client.post(reverse("board:publish"), {"note": "x", "reviewed": 0}).status_code == 403
