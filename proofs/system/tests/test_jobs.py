"""What each job computes, without a worker."""

from system.jobs import JOBS, analyze, generate, job_for, process, translate


def test_translate_prefers_phrases_then_words() -> None:
    assert translate("hello world") == "Translated: 'hello world' → 'hola mundo'"
    assert "buenas noches" in translate("Good night")


def test_translate_says_when_it_knows_no_word() -> None:
    assert "no word in the demo dictionary" in translate("xyzzy")


def test_analyze_ignores_accents_when_counting_vowels() -> None:
    result = analyze("días")

    assert "Vowels: 2" in result
    assert "Consonants: 2" in result


def test_generate_falls_back_to_a_generic_answer() -> None:
    assert "interesting point about 'quarks'" in generate("quarks")


def test_default_upper_cases() -> None:
    assert process("abc") == "Processed: ABC"


def test_every_task_type_the_page_offers_has_a_job() -> None:
    assert list(JOBS) == ["translate", "analyze", "generate", "default"]


def test_an_unknown_task_type_gets_the_default_job() -> None:
    assert job_for("juggle") is JOBS["default"]
    assert job_for("analyze").work is analyze
