"""Cookiecutter's hooks, importable by the meta suite.

Cookiecutter runs ``pre_gen_project.py`` and ``post_gen_project.py`` by file
name and ignores every other file here, this one included.
"""
