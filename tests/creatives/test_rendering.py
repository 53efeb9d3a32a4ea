"""The personalization rules of creatives.rendering (pure Python, no database)."""

from __future__ import annotations

import pytest

from creatives.rendering import (
    SourceError,
    compile_creative,
    parse_source,
    render_creative,
    tokens_in,
)

CUSTOMER = {
    "external_id": "C-1",
    "first_name": "Ann",
    "last_name": "<b>O'Neil</b>",
    "email": "ann@example.com",
    "attributes": {
        "tier": "gold",
        "score": 7.0,
        "vip": True,
        "address": {"city": "Lyon & Co"},
        "children": ["Zoe", "Max"],
        "empty": "",
    },
}
MAPPINGS = [
    {"key": "first_name", "source": "customer.first_name|there"},
    {"key": "last_name", "source": "customer.last_name"},
    {"key": "tier", "source": "customer.attributes.tier"},
    {"key": "city", "source": "customer.attributes.address.city"},
    {"key": "child", "source": "customer.attributes.children.1"},
    {"key": "score", "source": "customer.attributes.score"},
    {"key": "vip", "source": "customer.attributes.vip"},
    {"key": "offer", "source": "offer.name|our offer"},
]


def test_fills_tokens_in_every_string_at_any_depth_and_keeps_other_values() -> None:
    content = {
        "subject": "Hi {{first_name}}",
        "blocks": [{"text": "{{ tier }} member in {{city}}", "order": 1}, None, True],
        "{{first_name}}": "keys are not templates",
    }
    out = render_creative(content, MAPPINGS, CUSTOMER, template_type="sms_text")
    assert out == {
        "subject": "Hi Ann",
        "blocks": [{"text": "gold member in Lyon & Co", "order": 1}, None, True],
        "{{first_name}}": "keys are not templates",
    }


def test_html_templates_escape_values_but_not_the_template_itself() -> None:
    content = {"body": "<p>Dear {{first_name}} {{last_name}}</p>"}
    for template_type in ("email_html", "banner", "in_app"):
        out = render_creative(content, MAPPINGS, CUSTOMER, template_type=template_type)
        assert out["body"] == "<p>Dear Ann &lt;b&gt;O&#x27;Neil&lt;/b&gt;</p>"


@pytest.mark.parametrize(
    "template_type", ["email_text", "sms_text", "push", "voice_script", "webhook_json"]
)
def test_text_templates_insert_values_raw(template_type: str) -> None:
    out = render_creative(
        {"body": "{{last_name}} / {{city}}"}, MAPPINGS, CUSTOMER, template_type=template_type
    )
    assert out["body"] == "<b>O'Neil</b> / Lyon & Co"


def test_missing_values_use_the_mapping_fallback_else_empty_string() -> None:
    content = {"body": "Hi {{first_name}}, {{tier}}, {{offer}}!"}
    out = render_creative(content, MAPPINGS, {"first_name": None, "attributes": {}})
    assert out["body"] == "Hi there, , our offer!"
    out = render_creative(content, MAPPINGS, {"first_name": ""})
    assert out["body"] == "Hi there, , our offer!"


def test_fallback_is_escaped_in_html_too() -> None:
    mappings = [{"key": "n", "source": "customer.nickname|<friend>"}]
    assert render_creative({"b": "{{n}}"}, mappings, {})["b"] == "&lt;friend&gt;"
    assert (
        render_creative({"b": "{{n}}"}, mappings, {}, template_type="sms_text")["b"] == "<friend>"
    )


def test_nested_attributes_and_path_through_a_non_object_are_missing() -> None:
    mappings = [
        {"key": "a", "source": "customer.attributes.tier.level|none"},
        {"key": "b", "source": "customer.attributes.children.9|none"},
        {"key": "c", "source": "customer.attributes.address.zip|none"},
    ]
    out = render_creative({"b": "{{a}} {{b}} {{c}}"}, mappings, CUSTOMER, template_type="sms_text")
    assert out["b"] == "none none none"


def test_values_are_written_as_text() -> None:
    out = render_creative(
        {"b": "{{score}} {{vip}} {{child}}"}, MAPPINGS, CUSTOMER, template_type="sms_text"
    )
    assert out["b"] == "7 true Max"
    mappings = [{"key": "addr", "source": "customer.attributes.address"}]
    out = render_creative({"b": "{{addr}}"}, mappings, CUSTOMER, template_type="sms_text")
    assert out["b"] == '{"city":"Lyon & Co"}'


def test_related_sources_such_as_the_offer() -> None:
    out = render_creative(
        {"b": "{{offer}}"}, MAPPINGS, CUSTOMER, sources={"offer": {"name": "Gold & Card"}}
    )
    assert out["b"] == "Gold &amp; Card"


def test_unknown_tokens_stay_verbatim_and_are_reported() -> None:
    content = {"b": "Hi {{first_name}} {{ nope }} {not a token} {{}} {{", "n": "{{also_unknown}}"}
    compiled = compile_creative(content, MAPPINGS, template_type="sms_text")
    assert compiled.unknown_tokens == {"nope", "also_unknown"}
    out = compiled.render(CUSTOMER)
    assert out == {"b": "Hi Ann {{ nope }} {not a token} {{}} {{", "n": "{{also_unknown}}"}


def test_literal_braces_and_format_syntax_in_the_template_are_harmless() -> None:
    content = {"b": "{0} {first_name} {{first_name}} {{first_name}}{{first_name}} }}"}
    out = render_creative(content, MAPPINGS, CUSTOMER, template_type="sms_text")
    assert out["b"] == "{0} {first_name} Ann AnnAnn }}"


def test_values_containing_braces_are_not_reinterpreted() -> None:
    out = render_creative(
        {"b": "{{first_name}}"},
        MAPPINGS,
        {"first_name": "{{last_name}} {0}"},
        template_type="sms_text",
    )
    assert out["b"] == "{{last_name}} {0}"


def test_render_detailed_reports_values_and_fallbacks() -> None:
    compiled = compile_creative({"b": "{{first_name}} {{tier}}"}, MAPPINGS)
    detail = compiled.render_detailed({"attributes": {"tier": "gold"}})
    assert detail.values == {"first_name": "there", "tier": "gold"}
    assert detail.missing == ["first_name"]


def test_compiled_templates_are_reused_and_results_are_independent() -> None:
    content = {"b": "Hi {{first_name}}", "list": ["x"]}
    first = compile_creative(content, MAPPINGS)
    assert compile_creative(content, MAPPINGS) is first
    one, two = first.render({"first_name": "A"}), first.render({"first_name": "B"})
    one["list"].append("mutated")
    assert two == {"b": "Hi B", "list": ["x"]}


def test_render_does_not_mutate_the_input_content() -> None:
    content = {"b": "Hi {{first_name}}", "nested": {"c": ["{{tier}}"]}}
    render_creative(content, MAPPINGS, CUSTOMER)
    assert content == {"b": "Hi {{first_name}}", "nested": {"c": ["{{tier}}"]}}


def test_tokens_in_finds_every_key() -> None:
    assert tokens_in({"a": ["{{x}}", {"b": "{{ y }} {{x}}"}], "c": 3}) == {"x", "y"}


@pytest.mark.parametrize(
    ("source", "root", "path", "fallback"),
    [
        ("customer.first_name", "customer", ("first_name",), ""),
        ("customer.attributes.tier|gold", "customer", ("attributes", "tier"), "gold"),
        ("customer.attributes.kids.0", "customer", ("attributes", "kids", 0), ""),
        ("offer.name|a|b", "offer", ("name",), "a|b"),
    ],
)
def test_parse_source(source: str, root: str, path: tuple, fallback: str) -> None:
    parsed = parse_source(source)
    assert (parsed.root, parsed.path, parsed.fallback) == (root, path, fallback)


@pytest.mark.parametrize(
    "source", ["first_name", "customer", "customer.", "crm.score", "customer..x", "customer.a b"]
)
def test_parse_source_rejects_malformed_sources(source: str) -> None:
    with pytest.raises(SourceError):
        parse_source(source)


def test_rendering_a_million_customers_is_fast_enough() -> None:
    """A guard, not a benchmark: 20k renders of a typical email well under a second."""
    import time

    compiled = compile_creative(
        {
            "subject": "{{first_name}}, {{tier}} perks",
            "body": "<p>Hi {{first_name}} in {{city}}</p>",
        },
        MAPPINGS,
    )
    start = time.perf_counter()
    for _ in range(20_000):
        compiled.render(CUSTOMER)
    assert time.perf_counter() - start < 1.0


def test_large_templates_render_without_the_cache() -> None:
    content = {"body": "x" * 70_000 + "{{first_name}}"}
    compiled = compile_creative(content, MAPPINGS, template_type="sms_text")
    assert compile_creative(content, MAPPINGS, template_type="sms_text") is not compiled
    assert compiled.render(CUSTOMER)["body"].endswith("xAnn")
