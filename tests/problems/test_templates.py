"""Customer-update templates: defaults, the user's own, load-time errors, the fitting draft."""

from __future__ import annotations

import pytest

from casedesk.core.model import Channel, Status
from casedesk.desk.templates import (
    PLACEHOLDERS,
    STANDARD,
    TemplateError,
    default_templates,
    fill,
    load_templates,
    parse_templates,
    placeholders_in,
    template_for,
)

pytestmark = pytest.mark.both_engines


def test_the_shipped_defaults_cover_every_state_and_use_only_known_placeholders():
    templates = default_templates()
    assert set(STANDARD) <= set(templates)
    for template in templates.values():
        assert set(placeholders_in(template.text, template.name)) <= set(PLACEHOLDERS)
        assert template.source == "built-in" and template.description


def test_the_users_file_overrides_a_default_and_adds_its_own(config_dir):
    (config_dir / "templates.toml").write_text(
        '[progress]\ntext = "Hi {first_name}: {progress}."\n\n'
        '[parts-ordered]\ndescription = "Parts on order"\ntext = "Parts for #{case_id} ordered."\n',
        encoding="utf-8",
    )
    templates = load_templates()
    assert templates["progress"].text == "Hi {first_name}: {progress}."
    assert templates["progress"].source.endswith("templates.toml")
    assert templates["parts-ordered"].description == "Parts on order"
    assert templates["acknowledgement"].source == "built-in"


def test_an_unknown_placeholder_names_the_file_the_template_and_the_placeholder(config_dir):
    path = config_dir / "templates.toml"
    path.write_text('[chase]\ntext = "Dear {customer_name}, any news?"\n', encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        load_templates()
    message = str(caught.value)
    assert str(path) in message and "'chase'" in message and "{customer_name}" in message
    assert "{first_name}" in message  # and says which ones exist


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ('[a]\ntext = "{title.upper}"\n', "unknown placeholder {title.upper}"),
        ('[a]\ntext = "{0}"\n', "unknown placeholder {0}"),
        ('[a]\ntext = "{}"\n', "unknown placeholder {}"),
        ('[a]\ntext = "{title:>10}"\n', "takes no format"),
        ('[a]\ntext = "{title!r}"\n', "takes no format"),
        ('[a]\ntext = "a } b"\n', "literal braces"),
        ('[a]\ntext = "{title"\n', "literal braces"),
        ('[a]\ntext = ""\n', "needs a text"),
        ('[a]\nbody = "x"\n', "unknown setting 'body'"),
        ('a = "x"\n', "expected a table"),
        ("[a\n", "not valid TOML"),
    ],
)
def test_template_mistakes_are_one_clear_error(toml, words):
    with pytest.raises(TemplateError, match=words.replace("{", r"\{").replace("}", r"\}")):
        parse_templates(toml, "my.toml")


def test_literal_braces_are_written_doubled():
    [template] = parse_templates('[a]\ntext = "{{literal}} {title}"\n', "x").values()
    assert template.render({"title": "T"}) == "{literal} T"


def test_a_broken_user_file_is_a_clear_cli_error_not_a_traceback(config_dir, desk, cli):
    (config_dir / "templates.toml").write_text('[x]\ntext = "{nope}"\n', encoding="utf-8")
    case = desk.new_case("Ann", "Broken")
    result = cli("draft", "show", case.id)
    assert result.exit_code == 1
    assert result.stderr.startswith("casedesk: ") and "unknown placeholder {nope}" in result.stderr
    assert "Traceback" not in result.stderr
    assert cli("template", "list").exit_code == 1


def test_filling_in_never_fails_on_a_missing_value():
    assert fill("{first_name} / {agent}", {"agent": "ann"}) == " / ann"


def test_the_template_that_fits_follows_the_case_state(desk, clock):
    case = desk.new_case("Ann Lee <ann@example.com>", "Laptop", owner="ann")
    assert template_for(desk.store.case(case.id)) == "acknowledgement"
    desk.tell(case.id, "on it", Channel.PHONE)
    assert template_for(desk.store.case(case.id)) == "progress"
    desk.set_status(case.id, Status.WAITING_THIRD_PARTY)
    assert template_for(desk.store.case(case.id)) == "waiting-third-party"
    desk.resolve(case.id, "New battery fitted.")
    assert template_for(desk.store.case(case.id)) == "resolved"
    desk.tell(case.id, "fixed", Channel.PHONE)
    state = desk.store.case(case.id)
    assert template_for(state, check_in_due=True) == "check-in"
    assert template_for(state, check_in_due=False) == "resolved"


def test_the_fitting_draft_fills_every_placeholder(desk, clock):
    case = desk.new_case("Ann Lee <ann@example.com>", "Laptop won't charge", owner="ann")
    desk.tell(case.id, "on it", Channel.PHONE)
    desk.resolve(case.id, "A new battery is fitted.")
    draft = desk.draft_update(case.id)
    name, text = draft.template, draft.text
    assert name == "resolved"
    assert text.startswith("Hello Ann,")
    assert f'"Laptop won\'t charge" (case #{case.id}): A new battery is fitted.' in text
    assert text.rstrip().endswith("ann")
    assert "{" not in text


def test_every_placeholder_has_a_value(desk, clock):
    from casedesk.desk.templates import values_for

    case = desk.new_case("Ann", "Laptop")
    values = values_for(desk.case_row(case.id), desk.events(case.id), "ann", "Thu 17:00")
    assert set(values) == set(PLACEHOLDERS)
    assert values["progress"] == "we are working on it" and values["status"] == "received"


def test_the_problem_summary_comes_from_a_resolved_problem(desk, clock):
    problem = desk.new_problem("Printer fault")
    case = desk.new_case("Ann", "Printer offline")
    desk.link_problem(case.id, problem.id)
    desk.resolve_problem(problem.id, "Driver 4.2 fixes it.")
    assert "Driver 4.2 fixes it." in desk.draft_update(case.id).text


def test_template_cli_lists_and_shows_and_fills_in(desk, cli, jcli):
    names = [t["name"] for t in jcli("template", "list")]
    assert names[:5] == list(STANDARD)
    shown = cli("template", "show", "progress")
    assert "{progress}" in shown.stdout and "placeholders:" in shown.stderr
    case = desk.new_case("Ann Lee", "Laptop")
    filled = cli("template", "show", "acknowledgement", "--case", str(case.id))
    assert "Hello Ann," in filled.stdout and "{" not in filled.stdout
    assert "no template 'nope'" in cli("template", "show", "nope").stderr
