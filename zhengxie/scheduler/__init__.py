"""Periodic jobs (reminders, housekeeping): see `zhengxie.scheduler.registry` for how to add one."""
