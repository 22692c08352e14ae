from casedesk.core.model import Status


def test_new_case_prints_its_id_and_is_listed(cli):
    result = cli("new", "--customer", "Ann Smith <ann@example.com>", "--title", "Printer offline")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "1"
    listed = cli("list")
    assert "Printer offline" in listed.stdout


def test_desk_fixture_uses_the_stepped_clock(desk, clock):
    case = desk.new_case("Bob <bob@example.com>", "VPN drops")
    assert case.created_at == clock.now
    assert case.status is Status.NEW
