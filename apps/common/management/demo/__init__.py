"""Demo data for the embedded default: Ghanaian workers, hirers, jobs and applications.

Loaded by `manage.py demo_data`; see commands/demo_data.py for the flags and
demo/loader.py for how other apps add their own demo data.
"""
