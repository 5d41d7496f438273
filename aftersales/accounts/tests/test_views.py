"""Sign in and sign out: staff land on the service home page, customers in the portal."""

from aftersales.core.testing import PASSWORD


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password, **extra})


def test_login_page_renders_in_chinese_by_default(client, db):
    # given nobody signed in
    # when
    response = client.get("/accounts/login/")
    # then
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"
    assert 'name="username"' in response.text
    assert 'name="password"' in response.text
    assert 'name="csrfmiddlewaretoken"' in response.text


def test_staff_login_goes_to_home(client, specialist_a):
    # given a service specialist
    # when
    response = sign_in(client, "specialist_a")
    # then
    assert response.status_code == 302
    assert response.url == "/"


def test_customer_login_goes_to_portal(client, customer_a):
    # given a portal customer
    # when
    response = sign_in(client, "customer_a")
    # then
    assert response.status_code == 302
    assert response.url == "/portal/"


def test_customer_login_keeps_next_inside_the_portal(client, customer_a):
    # given a customer who followed a link to one of their pages
    # when
    response = sign_in(client, "customer_a", next="/portal/requests/new/")
    # then
    assert response.url == "/portal/requests/new/"


def test_customer_login_ignores_next_to_staff_pages(client, customer_a):
    # given a customer sent to the sign-in page from a staff page
    # when
    response = sign_in(client, "customer_a", next="/workspace/")
    # then
    assert response.url == "/portal/"


def test_staff_login_follows_next(client, specialist_a):
    # when
    response = sign_in(client, "specialist_a", next="/workspace/")
    # then
    assert response.url == "/workspace/"


def test_login_never_redirects_to_another_site(client, specialist_a):
    # when
    response = sign_in(client, "specialist_a", next="https://evil.example/")
    # then
    assert response.url == "/"


def test_wrong_password_stays_on_the_page_with_a_message(client, customer_a):
    # when
    response = sign_in(client, "customer_a", password="wrong-password")
    # then
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert 'class="form-error"' in response.text


def test_signed_in_customer_opening_login_goes_to_portal(client, customer_a):
    # given
    client.force_login(customer_a.user)
    # when
    response = client.get("/accounts/login/")
    # then
    assert response.status_code == 302
    assert response.url == "/portal/"


def test_logout_refuses_get(client, customer_a):
    # given
    client.force_login(customer_a.user)
    # when
    response = client.get("/accounts/logout/")
    # then
    assert response.status_code == 405
    assert "_auth_user_id" in client.session


def test_logout_by_post_signs_out(client, customer_a):
    # given
    client.force_login(customer_a.user)
    # when
    response = client.post("/accounts/logout/")
    # then
    assert response.status_code == 302
    assert response.url == "/accounts/login/"
    assert "_auth_user_id" not in client.session
