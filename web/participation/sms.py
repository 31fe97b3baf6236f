"""Staff page: the text messages the box received (answers to "fixed?", unclear replies,
unknown senders), newest first, numbers masked as stored."""

from __future__ import annotations

from flask import render_template

from appliance.i18n import gettext
from appliance.participation.sms_answers import OUTCOME_WORDS, OUTCOMES
from web.auth import STAFF, roles, services
from web.params import choice_arg, page_arg
from web.participation import bp


@bp.get("/workorders/sms")
@roles(*STAFF)
def sms_log():
    outcome = choice_arg("outcome", OUTCOMES + ("",), "")
    log = services().participation.sms_answers.log(outcome or None, page_arg())
    words = {k: gettext(v) for k, v in OUTCOME_WORDS.items()}
    return render_template("participation/sms_log.html", log=log, outcome=outcome, outcomes=OUTCOMES,
                           words=words)
