"""The monthly product–marketing committee: meetings, their agenda built from the data
since the last meeting, the decisions on record and the minutes both teams receive.

- `models`: CommitteeMeeting, AgendaPoint, Decision;
- `services`: the writes and transitions (planned → in_session → closed);
- `agenda`: the agenda built from the data (a selector: reads only);
- `selectors`: meetings, decisions and their filters;
- `minutes`: the minutes as data, HTML and PDF, the email and the Slack message;
- `api`, `serializers`: /api/v1/committees/ and /api/v1/decisions/;
- `views`, `urls`: the board's pages; `admin`: the admin through the services.
"""
