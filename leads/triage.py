"""Crisis triage: does a free-text message say that someone is at risk now?

A phrase match alone is not enough: "not suicidal" or "my sister overdosed last year and is doing well now"
must not page the on-call clinician at 3 a.m., while "I want to end my life" must. Each sentence is checked
for crisis phrases, then for a negation just before the phrase and for words that put it in the past or
say it is resolved. A false negative costs more than a false positive, so only clear negations and clear
past-tense markers exempt a sentence. The lists are maintained here, with tests for each case.

Triage only orders the work: every lead is answered, and every response carries 988 and 911.
"""

import re
from dataclasses import dataclass

# Category → phrases (regular expressions, matched case-insensitively on word boundaries).
CRISIS_PHRASES: dict[str, tuple[str, ...]] = {
    "suicide": (
        r"suicid\w*",
        r"kill(?:ing)? (?:my|him|her|them)sel(?:f|ves)",
        r"end(?:ing)? (?:my|his|her|their) (?:own )?li(?:fe|ves)",
        r"take (?:my|his|her|their) (?:own )?li(?:fe|ves)",
        r"want(?:s|ed)? to die",
        r"(?:don'?t|do not|doesn'?t|does not) want to (?:live|be alive|wake up)",
        r"better off dead",
        r"no reason to live",
        r"(?:wrote|writing|left) a (?:suicide )?note",
    ),
    "self_harm": (
        r"self[- ]harm\w*",
        r"cut(?:ting)? (?:my|him|her|them)sel(?:f|ves)",
        r"hurt(?:ing)? (?:my|him|her)self",
    ),
    "overdose": (r"overdos\w*", r"\bOD'?d\b", r"took (?:all|a bunch|too many) (?:of )?(?:my |the |his |her )?pills"),
    "harm_to_others": (r"kill (?:him|her|them|someone|somebody|people)", r"hurt (?:someone|somebody|people|others)"),
    "psychosis": (r"hearing voices", r"voices (?:are )?telling (?:me|him|her)"),
}

# A negation within a few words before the phrase ("not suicidal", "no thoughts of suicide").
_NEGATION = re.compile(
    r"\b(?:not|no|never|denies|denied|isn'?t|wasn'?t|aren'?t|without|nor|free of)\b(?:\W+\w+){0,3}\W*$", re.IGNORECASE
)
# Markers that put the sentence in the past or say the risk has passed.
_RESOLVED = re.compile(
    r"\b(?:last (?:year|month|week|summer|winter|spring|fall)|(?:years?|months?|weeks?) ago|in the past|"
    r"used to|history of|back in \d{4}|doing (?:well|better|fine|ok(?:ay)?) now|is (?:fine|ok(?:ay)?|stable) now|"
    r"recovered|in recovery for)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?;\n])\s+")
_COMPILED = {
    category: [re.compile(rf"\b{phrase}", re.IGNORECASE) for phrase in phrases]
    for category, phrases in CRISIS_PHRASES.items()
}
# Every phrase at once: most messages hold none, and one search of the whole text says so (each sentence was
# searched for each phrase: a few percent of a submission's CPU, bench/leads.py).
_ANY_PHRASE = re.compile(
    r"\b(?:" + "|".join(phrase for phrases in CRISIS_PHRASES.values() for phrase in phrases) + ")", re.IGNORECASE
)


@dataclass(frozen=True)
class Triage:
    urgent: bool
    # Categories matched, for staff and routing; never the text itself.
    flags: tuple[str, ...]


def triage_text(*texts: str) -> Triage:
    flags: set[str] = set()
    for text in texts:
        if not text or not _ANY_PHRASE.search(text):
            continue
        for sentence in _SENTENCE.split(text):
            if _RESOLVED.search(sentence):
                continue
            for category, patterns in _COMPILED.items():
                for pattern in patterns:
                    match = pattern.search(sentence)
                    if match and not _NEGATION.search(sentence[: match.start()]):
                        flags.add(category)
                        break
    return Triage(urgent=bool(flags), flags=tuple(sorted(flags)))
