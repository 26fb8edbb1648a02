"""Grant eligibility: which of a posting's grant programs a doctor may get, and why
(``eligibility``, one pure function of the facts), shown on the posting's page and used by the
search filter "grants I'm eligible for" (``queries``). The programs and their criteria are kept
by administrators in ``jobs.grants``."""
