"""Settings shared by every test.

Hypothesis runs without deadlines and without the input-generation speed checks: the suite shares a
two-core machine with LibreOffice and Chromium, and a slow draw there says nothing about the code.
"""

from hypothesis import HealthCheck, settings

settings.register_profile("sscr", deadline=None, max_examples=150,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile("sscr")
