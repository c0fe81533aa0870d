"""Protecting the sign-in: the second factor (django-otp), session limits, password rules
and age, and the security administrator's unlock page for locked-out sign-ins (django-axes).

Session keys written here (all cleared when the session ends):

- ``signin_at`` / ``seen_at``: when the user signed in and was last seen (Unix seconds);
- ``signin_otp_required``: this session must pass the second factor before anything else;
- ``signin_password_expired``: this session must change its password before anything else.
"""
