"""The public form (社会征集) is reachable without knowing its address: every page's footer, the login page
and the public proposals pages lead to it, to the right committee's form where the page is about one."""

from __future__ import annotations

import re

DIRECTORY = "/opinions/public/"


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_login_page_leads_the_public_to_the_form(client):
    body = text_of(client.get("/accounts/login/"))
    assert f'<a href="{DIRECTORY}">反映社情民意</a>' in body
    assert "社会公众无需登录" in body


def test_a_committees_public_proposals_lead_to_its_own_form(client, committee_a):
    body = text_of(client.get("/proposals/public/", {"committee": committee_a.code}))
    assert f'<a href="/opinions/public/{committee_a.code}/">反映社情民意</a>' in body
    body = text_of(client.get("/proposals/public/"))
    assert f'<a href="{DIRECTORY}">反映社情民意</a>' in body


def test_the_directory_lists_the_committees_and_goes_to_the_chosen_form(client, committee_a, committee_b):
    response = client.get(DIRECTORY)
    assert response.status_code == 200
    body = text_of(response)
    assert f'<a href="/opinions/public/{committee_a.code}/">甲区政协</a>' in body
    assert committee_b.short_name in body
    response = client.get(DIRECTORY, {"committee": committee_a.code})
    assert response.status_code == 302 and response["Location"] == f"/opinions/public/{committee_a.code}/"
    form = text_of(client.get(response["Location"]))
    assert "向甲区政协反映社情民意" in form and f'<a href="{DIRECTORY}">选择其他政协</a>' in form


def test_an_unknown_committee_code_says_so_and_offers_the_list(client, committee_a):
    response = client.get(DIRECTORY, {"committee": "<script>x" + "z" * 100})
    assert response.status_code == 404
    body = text_of(response)
    assert "没有找到代码为" in body and "<script>x" not in body and "甲区政协" in body


def test_a_signed_in_page_keeps_the_link_in_its_footer(client, member_a):
    client.force_login(member_a)
    assert f'<a href="{DIRECTORY}">反映社情民意</a>' in text_of(client.get("/"))
