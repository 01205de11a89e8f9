"""Reports for organizers, post-session surveys, follow-ups on unanswered questions and the knowledge library."""
