"""Render a room's transcript (from services.transcript) as Markdown, CSV or JSON; pure functions."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

from ..common import timefmt
from ..common.spreadsheet import cell

CSV_COLUMNS = ("kind", "id", "at", "author", "text", "status", "votes", "pinned", "answer", "reason",
               "follow_up_answer", "poll_id")


def _md_escape(text: str) -> str:
    """Keep people's words from turning into Markdown structure (headings, links, HTML)."""
    out = text.replace("\\", "\\\\")
    for ch in "`*_[]<>#|":
        out = out.replace(ch, "\\" + ch)
    return out.replace("\n", "  \n")


def to_markdown(data: dict, zone: str = "UTC", locale: str = "en") -> str:
    """Return the transcript as Markdown (anonymous askers stay anonymous), its times in the reader's zone:
    the session's span names the zone once, each message and question gives its time of day (`timefmt`)."""
    session, attendance = data["session"], data["attendance"]

    def _when(iso: str | None) -> str:
        return timefmt.clock(datetime.fromisoformat(iso), zone, locale) if iso else ""

    span = timefmt.span(datetime.fromisoformat(session["starts_at"]), datetime.fromisoformat(session["ends_at"]),
                        zone, locale)
    lines = [f"# {_md_escape(session['exchange'])}: {_md_escape(session['title'])}", "",
             f"- Session: {span}",
             f"- Attendance peak: {attendance['peak']} ({_when(attendance['peak_at']) or 'n/a'}); "
             f"people who joined: {attendance['people']}", "", "## Questions", ""]
    if not data["questions"]:
        lines.append("No questions.")
    for q in data["questions"]:
        who = "Anonymous" if q["anonymous"] else _md_escape(q["author"] or "")
        pin = ", pinned" if q["pinned"] else ""
        lines.append(f"### Q{q['id']} — {q['status']}, {q['votes']} vote(s){pin}")
        lines += ["", f"{_md_escape(q['body'])}", "", f"— {who}, {_when(q['at'])}", ""]
        if q["answer"]:
            lines += [f"**Answer:** {_md_escape(q['answer'])}", ""]
        if q["reason"]:
            lines += [f"*Dismissed:* {_md_escape(q['reason'])}", ""]
        if q.get("follow_up_answer"):
            by = f" ({_md_escape(q['follow_up_by'])})" if q.get("follow_up_by") else ""
            lines += [f"**Written answer after the session{by}:** {_md_escape(q['follow_up_answer'])}", ""]
    lines += ["## Polls", ""]
    if not data["polls"]:
        lines.append("No polls.")
    for p in data["polls"]:
        kind = "multiple choice" if p["multiple"] else "single choice"
        lines += [f"### {_md_escape(p['prompt'])}", "", f"{kind}, {p['status']}, {p['voters']} voter(s)", ""]
        lines += [f"- {_md_escape(o['label'])}: {o['votes']}" for o in p["options"]]
        lines.append("")
    lines += ["## Chat", ""]
    if not data["chat"]:
        lines.append("No messages.")
    lines += [f"- {_when(m['at'])} **{_md_escape(m['author'])}** ({m['role']}): {_md_escape(m['body'])}"
              for m in data["chat"]]
    return "\n".join(lines).rstrip() + "\n"


def to_csv(data: dict) -> str:
    """Return the transcript as one CSV table: chat, question and poll-option rows (a question's dismissal reason
    and its expert's written follow-up answer in their own columns)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for m in data["chat"]:
        writer.writerow([cell(v) for v in ("chat", m["id"], m["at"], m["author"], m["body"], "", "", "", "", "", "", "")])
    for q in data["questions"]:
        author = "Anonymous" if q["anonymous"] else q["author"]
        writer.writerow([cell(v) for v in ("question", q["id"], q["at"], author, q["body"], q["status"], q["votes"],
                                            "yes" if q["pinned"] else "no", q["answer"], q["reason"],
                                            q.get("follow_up_answer", ""), "")])
    for p in data["polls"]:
        writer.writerow([cell(v) for v in ("poll", p["id"], p["opened_at"], "", p["prompt"], p["status"],
                                            p["voters"], "", "", "", "", p["id"])])
        for o in p["options"]:
            writer.writerow([cell(v) for v in ("poll_option", "", "", "", o["label"], "", o["votes"], "", "", "", "", p["id"])])
    return out.getvalue()


def to_json(data: dict) -> str:
    """Return the transcript as indented JSON."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
