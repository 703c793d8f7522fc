"""Working days follow China's public holidays, the staff holiday table, then Monday to Friday."""

from datetime import UTC, date, datetime

import pytest

from extensions import db
from models import HolidayOverride
from services.working_days import add_working_days, due_after, working_days_between


@pytest.fixture(autouse=True)
def context(app):
    with app.app_context():
        yield


def test_five_working_days_skip_the_national_day_week():
    # After Tue 29 Sep 2026: Wed 30 Sep works, 1–7 Oct are holidays, Thu 8, Fri 9 and the
    # make-up Saturday 10 Oct work, Sunday 11 Oct rests, Monday 12 Oct is the fifth.
    due = add_working_days(date(2026, 9, 29), 5)
    assert due.day == date(2026, 10, 12)
    assert not due.provisional


def test_a_plain_week_counts_monday_to_friday():
    assert add_working_days(date(2026, 11, 20), 5).day == date(2026, 11, 27)  # Friday → next Friday


def test_a_year_the_package_does_not_know_is_monday_to_friday_and_provisional():
    due = add_working_days(date(2026, 12, 29), 5)  # Tue; 2027 is beyond chinese-calendar's data
    assert due.provisional
    # 30, 31 Dec 2026 are known; then Fri 1 Jan 2027 (guessed working), Mon 4, Tue 5 Jan.
    assert due.day == date(2027, 1, 5)


def test_the_staff_holiday_table_wins_over_the_guess():
    db.session.add_all([
        HolidayOverride(day=date(2027, 1, 1), is_working_day=False, name="元旦"),
        HolidayOverride(day=date(2027, 1, 2), is_working_day=True, name="调休"),
    ])
    db.session.commit()
    due = add_working_days(date(2026, 12, 30), 3)
    # Thu 31 Dec 2026 (known), Fri 1 Jan holiday (table), Sat 2 Jan make-up (table), Mon 4 Jan (guess).
    assert due.day == date(2027, 1, 4)
    assert due.provisional


def test_due_dates_count_from_the_day_in_china():
    # 17:00 UTC on Sunday 22 Nov is 01:00 on Monday 23 Nov in Beijing.
    assert due_after(datetime(2026, 11, 22, 17, 0, tzinfo=UTC), 1).day == date(2026, 11, 24)


def test_working_days_between_counts_both_ways():
    assert working_days_between(date(2026, 9, 29), date(2026, 10, 12)) == 5
    assert working_days_between(date(2026, 10, 12), date(2026, 9, 29)) == -5
