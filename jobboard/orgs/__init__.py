"""Employers (the tenants): organisations, their staff and roles, invitations and sites."""
