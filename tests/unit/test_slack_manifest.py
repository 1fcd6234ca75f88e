"""The Slack app manifest asks for what the features need, and the README says why for each scope."""
from __future__ import annotations

import re

import yaml

from tests.conftest import ROOT


def test_manifest_scopes_events_and_socket_mode():
    manifest = yaml.safe_load((ROOT / "slack" / "manifest.yml").read_text())
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert sorted(scopes) == ["channels:join", "channels:manage", "chat:write", "groups:write", "im:history",
                              "users:read"]
    settings = manifest["settings"]
    assert sorted(settings["event_subscriptions"]["bot_events"]) == ["app_home_opened", "message.im", "team_join"]
    assert settings["interactivity"]["is_enabled"] and settings["socket_mode_enabled"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] and manifest["features"]["bot_user"]


def test_readme_explains_every_scope_the_manifest_asks_for():
    manifest = yaml.safe_load((ROOT / "slack" / "manifest.yml").read_text())
    readme = (ROOT / "README.md").read_text()
    explained = set(re.findall(r"^\| `([a-z.:_]+)` \| \S", readme, re.MULTILINE))
    assert explained == set(manifest["oauth_config"]["scopes"]["bot"])
