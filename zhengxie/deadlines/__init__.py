"""Deadlines: the working-day calendar, due dates, extensions and the reminder sweep.

A kernel app: it knows nothing of proposals or opinions. A domain uses it in three steps:

1. In its AppConfig.ready(), declare each kind of deadline it sets and who is reminded::

       from zhengxie.deadlines.registry import DeadlineKind, register_deadline_kind

       register_deadline_kind(DeadlineKind("proposal.reply", "提案答复", recipients=reply_reminder_users,
                                           max_extension_days=183))

2. Compute the due date on the official calendar and open the deadline inside the domain's own
   transaction (its service has already checked who may do this)::

       due = calendar.due_date(committee, start=today, amount=3, unit="months")
       deadline_open(committee=committee, subject_type="proposal", subject_id=p.pk,
                     kind="proposal.reply", due_date=due.date, title=p.title, url=p.url, actor=user)
       # due.warning is non-empty when the date lies in a year whose holidays are not known yet.

3. Call `deadline_meet` / `deadline_extend` / `deadline_cancel` when the domain's workflow moves on.
   Reminders (before, at and after the due date) are then sent by the daily sweep in tasks.py.
"""
