"""Site-wide pages: home, the role-based dashboard redirect, the privacy notice, language."""
