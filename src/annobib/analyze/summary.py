"""The one-line contribution: the abstract's own sentence that states what the paper does.

Extractive, never generated: the summary is one sentence of the abstract from which at most a
leading linking phrase or concluding frame and citation tags are cut. It is ABSENT ('') when no
sentence states a contribution, when it would only repeat the title, and for an entry without
abstract (the analysis stage does not ask for one then; see `analyze.document_summary`).

Sentences are spaCy's: the Doc's boundaries when one is given (the build parses each abstract
once), else those of `nlp`, else spaCy's rule-based sentencizer on a blank English pipeline. A
boundary right after 'et al.', 'e.g.', a colon or inside brackets is joined back, and a span is
cut before a section heading inside it ('... AD. RESULTS: ...'). An abstract stored with HTML
markup ('<h3>RESULTS</h3><p>...') is read as text, its headings as headings.

Rules
-----
* Cut from the start of a sentence, repeatedly, and the rest capitalised:
  a self-reference ('In this paper,', 'In the present study', 'Here,', 'Herein') whatever follows
  ('In this paper, we propose X' -> 'We propose X'; 'In this paper, X is used' -> 'X is used');
  a connective ('However,', 'Thus,', 'Specifically,', 'Moreover,') or a short clause pointing back
  ('To address these issues,', 'Motivated by this observation,', 'In our experiments,') only when
  the paper speaks next ('we', 'this paper', ...): 'To address these issues, we propose X' -> 'We
  propose X'; a concluding frame: 'Taken together, these results indicate that X', 'This study
  suggests that X', 'It is argued that X' -> 'X'.
* Rejected: a sentence that still starts with a connective or a clause pointing back after that
  ('However, existing methods ...', 'In this context, ...'), or with a back reference ('This
  approach', 'These results', 'Such', 'It', 'They', 'Its', ... but not 'This paper / work / study /
  review ...'); framing that does not speak for the paper (background and motivation: 'Recent
  years have seen ...', 'X is a fundamental problem', 'Existing methods ...', 'has been
  proposed'); the authors' earlier work ('We have previously described ...'); a question (one after
  'we ask:' ranks two lower instead); code and links ('available at https://...'); outlook
  ('future work is needed'); fewer than four words.
* Who speaks for the paper: 'we', 'this / the present / our paper, work, study, review, ...',
  'the paper', 'the author(s)', 'X and colleagues', a sentence with no subject ('Discusses ...',
  'Presents ...'), and a sentence that began 'In this paper,'.
* Preference, the earliest sentence of the best rank:
  1. the paper speaks and puts something forward: 'we propose / introduce / present / develop /
     design / describe / derive / define / provide / report ...', 'this paper proposes ...', 'we
     study X and propose Y', or the present passive 'A new model ... is introduced';
  1.5 a concluding frame that sums up ('Taken together, these results indicate that X');
  2. the paper speaks with another research verb ('we study / show / investigate / review',
     'this meta-analysis examines', 'the objective of the present work is to ...'), a result in
     the passive ('X has been measured to 0.7 ppm', 'X is investigated', 'X was found to'), a
     concluding frame without summing up ('Our results suggest that X'), a sentence that began
     'In this paper,', or the name the title gives ('Isaac Gym offers ...' under 'Isaac Gym: ...');
  3. any other sentence where 'we' acts.
  One that adds to something before ('Moreover, we ...', 'Finally, we ...', 'We also ...') ranks
  one lower; evaluation ('To validate ..., we conduct experiments', 'We compare ...', 'Extensive
  experiments ...') one and a half lower; one that refers back inside ('we solve this problem')
  half lower.
* Structured abstracts ('BACKGROUND: ... METHODS: ... RESULTS: ... CONCLUSIONS: ...', 'DESIGN AND
  SETTING:', also 'Objective. ... Approach. ... Main results. ... Significance.'; two headings or
  more): the first sentence of the conclusions section ('Conclusion(s)', 'Significance',
  'Interpretation', 'Discussion', 'Implications') that is not rejected, else of the results
  section ('Results', 'Findings'), else the ranks above; the heading is cut.
* Citation tags cut: '[ZRKB21]', '[12]', '[3-5, 9]', '[Mairal et al., 2009]',
  '(Smith et al., 2020)', '(Smith and Lee 2019; Wu 2020)', 'Wang et al. (2014)' -> 'Wang et al.';
  an interval ('[0, 1]', 'x ∈ [1, 2]') stays.
"""
from __future__ import annotations

import functools
import html
import re

__all__ = ["contribution_sentence", "sentences", "sentence_spans", "strip_citations"]

# --- sentences ---------------------------------------------------------------------------

def sentences(text: str, doc=None, nlp=None) -> list[tuple[int, int]]:
    """(start, end) offsets of spaCy's sentences of `text`, whitespace trimmed, with boundaries
    after an abbreviation, a colon or inside brackets joined back."""
    if doc is None or doc.text != text or not doc.has_annotation("SENT_START"):
        doc = (nlp or _sentencizer())(text)
        if not doc.has_annotation("SENT_START"):     # a pipeline without parser or senter
            doc = _sentencizer()(text)
    spans = [span for s in doc.sents for span in _split_headings(text, *_trim(text, s.start_char, s.end_char))]
    spans = [(a, b) for a, b in spans if a < b]
    joined: list[tuple[int, int]] = []
    for a, b in spans:
        if joined and _continues(text[joined[-1][0]:joined[-1][1]], text[a:b]):
            joined[-1] = (joined[-1][0], b)
        else:
            joined.append((a, b))
    return joined


@functools.lru_cache(maxsize=1)
def _sentencizer():
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


_ABBREVIATION_END = re.compile(r"(?:\bet al|\be\.g|\bi\.e|\bcf|\bvs|\bresp|\bFigs?|\bEqs?|\bSec|\bapprox|\bs\.a|\bw\.r\.t"
                               r"|\bstat|\bsyst|\bNo|\bca)\.$|[:(\[]$")


def _continues(previous: str, current: str) -> bool:
    if _heading(previous) or _heading(current):
        return False
    if _ABBREVIATION_END.search(previous):
        return True
    if previous.count("(") > previous.count(")") or previous.count("[") > previous.count("]"):
        return True                                    # '(Wu et al.,' | '2018).'
    return current[:1].islower() or current[:1] in ")]"


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


# --- structured abstracts ----------------------------------------------------------------------

# A heading is one to five of these words, joined by 'and', '&', ',' or '/', in capitals or with a
# capital first letter, then ':' or '.': 'RESULTS:', 'Main results.', 'DESIGN AND SETTING:',
# 'Methodology/Principal Findings:'. Its section: conclusions when a word of _CONCLUSION_WORDS is
# in it, else results when one of _RESULT_WORDS is, else another section.
_CONCLUSION_WORDS = {"conclusion", "conclusions", "significance", "interpretation", "discussion", "implications",
                     "relevance"}
_RESULT_WORDS = {"results", "findings", "result"}
_HEADING_WORDS = _CONCLUSION_WORDS | _RESULT_WORDS | {
    "background", "context", "introduction", "objective", "objectives", "aim", "aims", "purpose", "goal", "goals",
    "motivation", "rationale", "importance", "design", "setting", "settings", "participants", "patients", "subjects",
    "population", "method", "methods", "materials", "methodology", "approach", "measurements", "measures",
    "interventions", "intervention", "main", "outcome", "outcomes", "primary", "secondary", "study", "research",
    "data", "sources", "source", "summary", "problem", "principal", "key", "exposure", "exposures", "evidence",
    "synthesis", "selection", "criteria", "extraction", "eligibility", "review", "trial", "registration", "funding",
    "limitations", "analysis", "analyses", "statistical", "recommendations", "hypothesis", "question", "questions"}
_HEADING_WORD = r"[A-Za-z]+"
_HEADING = re.compile(rf"(?P<name>{_HEADING_WORD}(?:\s*(?:,\s*|/\s*|\s(?:and|AND|&)\s+|\s)(?:and\s+|AND\s+)?"
                      rf"{_HEADING_WORD}){{0,4}})\s*(?:[:.]|\s[-–—])(?:\s+|$)")
# The same heading inside a span the sentence splitter did not cut: 'Dementia and AD. RESULTS: ...'.
_INNER_HEADING = re.compile(r"(?<=[.!?])\s+(?=[A-Z][A-Za-z]*(?:[\s,/&]+[A-Za-z]+){0,4}\s*:)")


def _heading(sentence: str) -> re.Match | None:
    """A section heading at the start: 'RESULTS:', 'Results.', 'Main results.' (not 'Results show')."""
    match = _HEADING.match(sentence)
    if not match:
        return None
    name = match.group("name")
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", name) if w.lower() != "and"]
    if not words or any(w not in _HEADING_WORDS for w in words):
        return None
    if not (name.isupper() or name[:1].isupper()):
        return None
    return match


def _section(heading: re.Match) -> str:
    words = {w.lower() for w in re.findall(r"[A-Za-z]+", heading.group("name"))}
    return "conclusions" if words & _CONCLUSION_WORDS else "results" if words & _RESULT_WORDS else "other"


def _split_headings(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """A span cut before each heading inside it."""
    cuts = [m.end() for m in _INNER_HEADING.finditer(text, a, b) if _heading(text[m.end():b])]
    bounds = [a, *cuts, b]
    return [_trim(text, x, y) for x, y in zip(bounds, bounds[1:])]


# --- linking phrases, back references, framing ------------------------------------------------

_SELF_NOUN = (r"(?:paper|work|study|article|letter|manuscript|report|review|survey|thesis|chapter|book|note|"
              r"tutorial|meta-analysis|dissertation|primer|overview|communication|contribution|monograph|document|"
              r"position paper|short paper|technical report|white paper|essay|commentary|perspective)")
_SELF = (rf"(?:(?:this|the present|the current|our)\s+(?:[\w-]+\s+){{0,2}}?{_SELF_NOUN}s?\b"
         r"|^the\s+(?:paper|article|manuscript|letter|thesis|chapter|document)\b)")
# Telegraphic abstracts ('Discusses the ...', 'Explains why ...'): a verb with no subject is the paper's.
_TELEGRAPHIC = (r"^(?:discuss|explain|examin|consider|present|describ|review|argu|analy[sz]|explor|investigat|report|"
                r"propos|outlin|assess|compar|introduc|develop|summari[sz]|evaluat|stud|identif|focus|address)(?:es|s|ies)\b"
                r"(?!\s+(?:have|has|had|are|were|was|is|show|shows|suggest|indicate|of|on|in|that|and|by|from|to)\b)")
_OTHERS_SPEAKING = r"\bthe (?:authors?|investigators|researchers)\b|\b[A-Z][\w'-]+ and (?:colleagues|co-?workers)\b"
# Who speaks for the paper at the start of what is left.
_SPEAKS = re.compile(rf"(?:we\b|our\s|{_SELF}|{_OTHERS_SPEAKING}|{_TELEGRAPHIC}|here(?:in)?\b|in\s+{_SELF}"
                     rf"|the\s+(?:aim|objective|goal|purpose)s?\s+of\s+{_SELF})", re.I)

_SELF_PHRASE = re.compile(
    rf"(?:in|within|through|with)\s+{_SELF}\s*,?\s*|(?:here(?:in)?|hereby)\b\s*,?\s*(?=\S)", re.I)
_CONNECTIVE = re.compile(
    r"(?P<word>however|therefore|thus|hence|moreover|furthermore|additionally|in addition|also|besides|"
    r"consequently|accordingly|as a (?:result|consequence)|specifically|in particular|concretely|namely|finally|"
    r"lastly|first(?:ly)?|second(?:ly)?|third(?:ly)?|then|next|further|subsequently|overall|in summary|"
    r"in conclusion|to (?:summari[sz]e|conclude)|in short|in sum|altogether|instead|rather|nevertheless|"
    r"nonetheless|yet|still|in contrast|by contrast|conversely|on the other hand|importantly|notably|"
    r"interestingly|surprisingly|remarkably|crucially|ultimately|similarly|likewise|meanwhile|indeed|"
    r"as such|as an alternative|alternatively|in practice|in turn|on the contrary|to (?:this|that) end|"
    r"for this (?:purpose|reason)|"
    r"with this in mind|to do (?:so|this)|unfortunately|fortunately|so)(?![\w-])\s*,?\s*", re.I)
# Connectives that link even without a comma ('However existing methods ...'); the others only with one.
_ALWAYS_LINKING = {"however", "therefore", "thus", "hence", "moreover", "furthermore", "additionally", "consequently",
                   "accordingly", "nevertheless", "nonetheless", "besides", "conversely", "meanwhile", "likewise",
                   "similarly", "instead", "indeed", "in addition", "in particular", "in contrast", "by contrast",
                   "on the other hand", "as a result", "as a consequence", "to this end", "to that end"}
_ADDITIVE = {"moreover", "furthermore", "additionally", "in addition", "also", "besides", "finally", "lastly",
             "second", "secondly", "third", "thirdly", "then", "next", "further", "subsequently"}
_POINTER = (r"\b(?:this|these|that|those|such|it|them|its|their|our|the above|the aforementioned|the former|the latter"
            r"|the (?:problem|issue|challenge|limitation|gap|drawback|shortcoming|difficulty|difficultie|question)s?)\b")
# A short leading clause that points back: 'To address these issues, ', 'Based on this observation, '.
_BACK_CLAUSE = re.compile(
    r"(?P<clause>(?:to|in|for|with|within|based|building|motivated|inspired|given|driven|guided|following|towards?|"
    r"despite|because|since|as|by|on|upon|under|at|from|after|through|due|owing|thanks|having|unlike|like|compared|"
    r"against|beyond|apart|while|although|when|once|if|considering|recogni[sz]ing|observing|addressing|tackling|"
    r"noting|using|leveraging|exploiting|combining)\b[^,;:.?!]{0,160}?)\s*,\s*", re.I)
_BACK_START = re.compile(
    rf"(?:this|these|those|that|such|it|its|they|their|them|both|each|the latter|the former|the same|"
    rf"another|other|there|so|but|and|or|nor|here)\b(?!\s+(?:[\w-]+\s+){{0,2}}?{_SELF_NOUN}s?\b)", re.I)
_FRAMING = re.compile(
    r"^(?:recent(?:ly)?\b|in recent (?:years|decades|times)|over the (?:past|last)|nowadays|today|currently|"
    r"traditionally|historically|conventionally|since\b|despite\b|although\b|though\b|while\b|whereas\b|"
    r"existing\b|current\b|previous\b|prior\b|conventional\b|classical\b|most\b|many\b|several\b|some\b|numerous\b|"
    r"various\b|a (?:large|growing|wide|vast) (?:body|number|range|variety)|one of the|there (?:is|are|has been|have been)\b)"
    r"|\b(?:ha(?:s|ve) (?:been (?!measured|calculated|computed|determined|obtained|observed|found|performed|carried)"
    r"|become|attracted|gained|received|seen|shown|emerged|achieved|drawn|witnessed|enabled|"
    r"led|made|proven|demonstrated|revolutioni[sz]ed|recently|long|yet to)|"
    r"(?:is|are|was|were) (?:a|an|one of the)\s+(?:[\w-]+\s+){0,3}?(?:problem|task|challenge|issue|topic|question|area|"
    r"field|tool|technique|paradigm|approach|way|component|step|goal|concept)s?\b|"
    r"remains?\b|(?:is|are) (?:still |often |usually |largely |increasingly |becoming )?(?:crucial|essential|"
    r"important|critical|key|fundamental|challenging|difficult|vital|unclear|unknown|missing|lacking|limited|"
    r"scarce|costly|expensive|prohibitive|popular|ubiquitous|widespread|prevalent|common)\b|"
    r"plays? an? (?:[\w-]+\s+)?role|(?:is|are) (?:widely|commonly|often|typically|increasingly|extensively|"
    r"frequently|generally|usually) (?:used|applied|adopted|studied|employed|believed|assumed|known|regarded)|"
    r"suffers? from|little is known|(?:is|are) known to|in the literature|(?:have|has) (?:previously|already) been|"
    r"(?:was|were|has been|have been) (?:recently |previously |originally |first )?(?:proposed|introduced|"
    r"developed|presented|suggested))", re.I)
# The authors' own earlier work: 'We have previously described X', 'Recently, we reported ...'.
_PRIOR = re.compile(r"\bwe\s+(?:have\s+)?(?:previously|recently|earlier)\b|\b(?:previously|recently|earlier),?\s+we\s+"
                    r"(?:have\s+)?(?:reported|showed|shown|described|demonstrated|proposed|introduced|found)\b"
                    r"|\bin\s+(?:our\s+|a\s+)?(?:previous|prior|earlier)\s+(?:work|study|studies|paper|report)", re.I)
# A concluding frame, cut: 'Taken together, these results indicate that X' -> 'X'; 'It is argued that X' -> 'X'.
_SUMMING_UP = (r"(?:taken together|together|altogether|collectively|overall|in summary|in conclusion|in sum|"
               r"to conclude|to summari[sz]e)")
_CONCLUDING = re.compile(
    rf"(?P<summing>{_SUMMING_UP}\s*,?\s*)?(?:(?:these|our|the|all|such|this|the present)\s+(?:[\w-]+\s+){{0,2}}?"
    r"(?:results|findings|data|observations|experiments|studies|analyses|analysis|study|work|evidence)\s+"
    r"(?:\w+ly\s+)?(?:indicate|suggest|show|demonstrate|reveal|imply|support|establish|confirm|highlight)s?"
    r"|it\s+is\s+(?:argued|concluded|suggested|shown|proposed|demonstrated|found))\s+that\s*,?\s+(?=\S)", re.I)
_OUTLOOK = re.compile(r"^(?:in )?future (?:work|research|studies)\b|\bfuture (?:work|research|studies|directions) "
                      r"(?:is|are|should|will|could|may|might|must|include)\b|\bfurther (?:research|studies|work|"
                      r"investigations?) (?:is|are) (?:needed|required|warranted)", re.I)
_LINK = re.compile(r"https?://|www\.|\bgithub\b|\b(?:code|data|dataset|software|models?|implementation)s?\b[^.]{0,40}"
                   r"\b(?:is|are|will be) (?:publicly |freely |made )?(?:available|released)|\bavailable (?:at|online|on)\b",
                   re.I)

# Verbs by stem, with verb endings only: 'formulate(s/d)', not 'formulation'.
_VERB_ENDING = r"(?:e|es|ed|ing|s|d|y|ies|ied|ying|n|t|ted|ting|led|ling|sed|sing)?"
_PUT_FORWARD = (r"(?:(?:propos|introduc|present|develop|devis|design|describ|build|built|construct|creat|formulat|deriv|"
                r"establish|put(?:s|ting)? forward|contribut|releas|defin|coin|invent|offer|provid|report|giv|gave|"
                r"outlin)" + _VERB_ENDING + ")")
_RESEARCH = (r"(?:(?:stud|investigat|examin|explor|analy[sz]|address|tackl|consider|show|shown|demonstrat|prov|review|"
             r"survey|summari[sz]|evaluat|compar|measur|calculat|comput|determin|estimat|perform|conduct|discuss|"
             r"focus|seek|sought|aim|argu|find|found|identif|reveal|discover|obtain|extend|generali[sz]|characteri[sz]|"
             r"ask|assess|test|validat|quantif|model|simulat|appl|use|employ|leverag|build on|take|took|frame|"
             r"revisit|elucidat|explain|deepen|improv|learn|train|achiev|fit|predict|postulat|hypothesi[sz]|pose|"
             r"poses|examine|report|detect|observ|infer|deal|devot|concern|reconstruct|recover|solv|answer|bridge|unif|uncover|"
             r"exploit|combin|integrat|adapt|implement|introduc|using)" + _VERB_ENDING + ")")
_PUT_FORWARD_FINITE = _PUT_FORWARD.replace(_VERB_ENDING, r"(?:e|es|ed|s|d)?")     # 'and propose', not 'and designing'
_GAP = r"(?:\s+(?:[\w-]+|\([^)]*\))){0,3}?\s+"
_SPEAKER = (rf"(?:\bwe\b|{_SELF}|{_OTHERS_SPEAKING}"
            rf"|\bthe\s+(?:aim|objective|goal|purpose)s?\s+of\s+{_SELF}\s+(?:is|was)\s+to\b)")
_RANK_1 = re.compile(
    rf"{_SPEAKER}{_GAP}{_PUT_FORWARD}\b|{_SPEAKER}\s+{_PUT_FORWARD}\b"
    rf"|^(?:propos|introduc|present|develop|describ|report|outlin)e?s\b"
    rf"|\bwe\b[^;]*?\band\s+(?:also\s+|then\s+)?{_PUT_FORWARD_FINITE}\b"
    rf"|\b(?:is|are)\s+(?:here(?:in)?\s+|thus\s+|then\s+|also\s+)?(?:propos|introduc|present|develop|devis|"
    rf"describ|deriv|report)ed\b", re.I)
_RANK_2 = re.compile(
    rf"{_SPEAKER}{_GAP}{_RESEARCH}\b|{_SPEAKER}\s+{_RESEARCH}\b|{_TELEGRAPHIC}"
    rf"|\b(?:is|are|was|were)\s+(?:here(?:in)?\s+|thus\s+|then\s+|also\s+|systematically\s+|experimentally\s+)?"
    rf"(?:investigat|stud|examin|analy[sz]|calculat|comput|measur|determin|explor|evaluat|discuss|consider|"
    rf"assess|test|perform|conduct)(?:ed|ied)\b"
    rf"|\b(?:has|have)\s+been\s+(?:measured|calculated|computed|determined|obtained|observed|found|performed|"
    rf"carried out)\b"
    rf"|\b(?:is|are|was|were)\s+(?:found|discovered|shown|demonstrated|observed|identified)\s+(?:to|that)\b", re.I)
_RANK_3 = re.compile(r"\bwe\s+(?:also\s+|further\s+|then\s+|first\s+|can\s+|could\s+|will\s+|have\s+|had\s+)?"
                     r"(?!are\b|were\b|need\b|do\b|did\b)[a-z]{3,}", re.I)
_WE_ADDITIVE = re.compile(r"\b(?:we|is|are)\s+(?:also|further|then|additionally|finally|furthermore|moreover)\b", re.I)
# Evaluation, not contribution: 'To validate ..., we conduct experiments', 'We evaluate our approach on ...'.
_EVALUATION = re.compile(
    r"^(?:to (?:validate|evaluate|verify|assess|test|demonstrate|show|confirm|prove|illustrate|investigate) "
    r"(?:the |its |their |our )?(?:[\w-]+ )?(?:effectiveness|efficiency|performance|efficacy|validity|superiority|"
    r"generality|benefits?|advantages?|usefulness|utility|merits?|feasibility|approach|method|model|framework)"
    r"|(?:extensive |comprehensive |our )?(?:experiments?|evaluations?|ablations?)\b"
    r"|(?:through|in|with|via|by|from|using) (?:[\w-]+ ){0,2}(?:experiments|evaluations|simulations|ablations)\b)"
    r"|\b(?:empirical|experimental|numerical|extensive) (?:stud(?:y|ies)|results|evaluations?|comparisons?|experiments)\b"
    r"|\bablation"
    r"|\bwe (?:also |further |then |extensively |empirically |experimentally |thoroughly )?(?:conduct|perform|run|"
    r"carry out|evaluate|test|validate|compare|benchmark|verify)\w*\b", re.I)
_INNER_POINTER = re.compile(rf"\b(?:this|these|those|such)\s+(?!as\b)(?!(?:[\w-]+\s+){{0,2}}?{_SELF_NOUN}s?\b)"
                            rf"[\w-]+", re.I)

# --- citation tags -------------------------------------------------------------------------------

_NAME = r"(?:(?:van|von|de|der|den|di|da|du|le|la|del)\s+)*[A-Z][\w'’.-]*"
_CITE_ITEM = rf"{_NAME}(?:\s+(?:et\s+al\.?|and\s+{_NAME}|&\s*{_NAME}))?,?\s+\(?(?:1[89]|20)\d\d[a-z]?\)?"
# '[12]', '[3-5, 9]', '[ZRKB21]', but not an interval: '[0, 1]', 'x ∈ [1, 2]' (after a symbol).
_CITATIONS = [
    re.compile(r"(?<![=∈<>≤≥×+*/^_\s-])\s*\[(?:[A-Za-z+]{1,8}\d{2,4}[a-z]?|[1-9]\d*(?:\s*[-–]\s*[1-9]\d*)?)"
               r"(?:\s*[,;]\s*(?:[A-Za-z+]{1,8}\d{2,4}[a-z]?|[1-9]\d*(?:\s*[-–]\s*[1-9]\d*)?))*\]"),
    re.compile(rf"\s*[\[(](?:(?:see|e\.g\.|cf\.|i\.e\.)\s*,?\s*)?{_CITE_ITEM}(?:\s*[;,]\s*{_CITE_ITEM})*[\])]"),
    re.compile(r"(?<=et al\.)\s*\((?:1[89]|20)\d\d[a-z]?\)"),
]


def strip_citations(sentence: str) -> str:
    """The sentence without citation tags, spacing before punctuation repaired."""
    for pattern in _CITATIONS:
        sentence = pattern.sub("", sentence)
    sentence = re.sub(r"\s+([,.;:!?])", r"\1", sentence)
    sentence = re.sub(r"\(\s*\)|\[\s*\]", "", sentence)
    sentence = re.sub(r"\b(et al|e\.g|i\.e|etc)\.\s*\.", r"\1.", sentence)    # 'Wang et al. (2014).' -> 'Wang et al.'

    return re.sub(r"\s{2,}", " ", sentence).strip()


# --- one sentence --------------------------------------------------------------------------------

def _strip_linking(sentence: str) -> tuple[str, bool, bool, float | None]:
    """The sentence without its leading linking phrases; whether one of them adds ('Moreover');
    whether one was the paper speaking ('In this paper, a controller is employed ...'); and the
    rank of a concluding frame cut from it (1.5 when it sums up: 'Taken together, these results
    indicate that', else 2: 'Our results suggest that', 'It is argued that'), None without one."""
    additive = spoke = False
    concluded = None
    for _ in range(5):
        match = _CONCLUDING.match(sentence)
        if match and concluded is None:
            concluded = 1.5 if match.group("summing") else 2
            sentence = sentence[match.end():]
            continue
        match = _SELF_PHRASE.match(sentence)
        if match and sentence[match.end():]:
            sentence = sentence[match.end():]
            spoke = True
            continue
        match = _CONNECTIVE.match(sentence)
        if match and _SPEAKS.match(sentence[match.end():]):
            additive |= match.group("word").lower() in _ADDITIVE
            sentence = sentence[match.end():]
            continue
        match = _BACK_CLAUSE.match(sentence)
        if (match and len(match.group("clause").split()) <= 20 and re.search(_POINTER, match.group("clause"), re.I)
                and _SPEAKS.match(sentence[match.end():])):
            sentence = sentence[match.end():]
            continue
        break
    return sentence[:1].upper() + sentence[1:], additive, spoke, concluded


def _rejected(core: str) -> bool:
    if len(core.split()) < 4 or _LINK.search(core) or _OUTLOOK.search(core) or _PRIOR.search(core):
        return True
    if _question(core) and ":" not in core:
        return True
    connective = _CONNECTIVE.match(core)
    if connective and (connective.group(0).rstrip().endswith(",")
                       or connective.group("word").lower() in _ALWAYS_LINKING):
        return True
    if _BACK_START.match(core):
        return True
    clause = _BACK_CLAUSE.match(core)
    if clause and len(clause.group("clause").split()) <= 20 and re.search(_POINTER, clause.group("clause"), re.I):
        return True          # 'In this context, ...', 'Despite their importance, ...'
    return not _SPEAKS.search(core) and bool(_FRAMING.search(core))


_NAME_VERB = (r"\s+(?:is|are|provides?|offers?|presents?|introduces?|implements?|enables?|allows?|combines?|"
              r"generali[sz]es?|extends?|learns?|uses?|consists?|supports?|makes?|brings?)\b")


def _title_name(title: str | None) -> str | None:
    """The name a title gives its subject: 'Isaac Gym' of 'Isaac Gym: High Performance ...'."""
    head = (title or "").split(":")[0].strip() if ":" in (title or "") else ""
    return head if head and len(head.split()) <= 4 else None


def _question(core: str) -> bool:
    return core.rstrip(" \"'”’)]").endswith("?")


def _rank(core: str, additive: bool, spoke: bool = False, concluded: float | None = None,
          name: str | None = None) -> float | None:
    for rank, pattern in ((1, _RANK_1), (2, _RANK_2), (3, _RANK_3)):
        if pattern.search(core):
            break
    else:
        if not (spoke or concluded or name and re.match(re.escape(name) + _NAME_VERB, core)):
            return None
        rank = 2         # 'In this paper, X is employed', 'Stable-Baselines3 provides ...' under 'Stable-Baselines3: ...'
    if concluded:
        rank = min(rank, concluded)
    if _question(core) and re.search(r"\b(?:ask|asks|question|wonder)\s*:", core):
        rank += 2        # 'here we ask: "What makes a visualization memorable?"'

    if additive or _WE_ADDITIVE.search(core):
        rank += 1
    if _EVALUATION.search(core):
        rank += 1.5
    if _INNER_POINTER.search(core):
        rank += 0.5
    return rank


_MARKUP = re.compile(r"</?(?:p|h[1-6]|br|i|b|em|strong|sup|sub|span|div|jats:[a-z-]+)\b[^<>]{0,200}>", re.I)
_MARKUP_HEADING = re.compile(r"<(h[1-6]|jats:title)\b[^<>]{0,200}>\s*([^<>]{1,60}?)\s*</\1>", re.I)


def _without_markup(text: str) -> str:
    """An abstract stored with HTML or JATS markup ('<h3>OBJECTIVES</h3> <p>This study ...'),
    as text: headings followed by ':', tags and entities ('&#x3c;') resolved."""
    if not _MARKUP.search(text) and not re.search(r"&(?:#x?[0-9a-f]+|[a-z]+);", text, re.I):
        return text
    text = _MARKUP_HEADING.sub(lambda m: f" {m.group(2).rstrip(':.')}: ", text)
    text = html.unescape(_MARKUP.sub(" ", text))
    return re.sub(r"\s+", " ", text).strip()


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def contribution_sentence(abstract: str, doc=None, nlp=None, title: str | None = None) -> str:
    """The abstract's sentence stating what the paper contributes, linking phrase and citation tags
    cut; '' when no sentence does, when it equals `title`, or for an empty abstract."""
    if not abstract or not abstract.strip():
        return ""
    plain = _without_markup(abstract)
    if plain != abstract:          # the Doc was parsed with the markup: split the plain text again
        abstract, doc = plain, None
    candidates = []        # (section, index, core, (additive, spoke, concluded))
    section, headings = None, 0
    for index, (a, b) in enumerate(sentences(abstract, doc, nlp)):
        sentence = abstract[a:b]
        heading = _heading(sentence)
        if heading:
            headings += 1
            section = _section(heading)
            sentence = sentence[heading.end():]
        core, *flags = _strip_linking(strip_citations(sentence))
        if core and not _rejected(core):
            candidates.append((section, index, core, flags))
    title_words = _words(title or "")
    candidates = [c for c in candidates if _words(c[2]) != title_words]
    if headings >= 2:
        for wanted in ("conclusions", "results"):
            for section, _, core, _ in candidates:
                if section == wanted:
                    return core
    name = _title_name(title)
    ranked = [(rank, index, core) for _, index, core, flags in candidates
              if (rank := _rank(core, *flags, name=name)) is not None]
    return min(ranked)[2] if ranked else ""


# --- the regex splitter names.py uses without a model -----------------------------------------

_ABBREVIATIONS = ("e.g", "i.e", "et al", "vs", "cf", "Fig", "Figs", "Eq", "Eqs", "Sec", "approx", "resp", "w.r.t")
_SENTENCE_END = re.compile(r"[.!?](?=[\"')\]]*\s+[A-Z0-9(\"'])")


def sentence_spans(text: str, doc=None, nlp=None) -> list[tuple[int, int]]:
    """(start, end) character offsets of the sentences of `text`, whitespace trimmed: the Doc's
    (or `nlp`'s) sentences, else a small regex splitter that knows common abbreviations. Used by
    names.py, whose model-free path keeps this splitter; the summary uses `sentences`."""
    if doc is None and nlp is not None:
        doc = nlp(text)
    if doc is not None and doc.text == text:
        spans = [(s.start_char, s.end_char) for s in doc.sents]
    else:
        spans = _regex_spans(text)
    return [_trim(text, a, b) for a, b in spans if text[a:b].strip()]


def _regex_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        head = text[start:match.start()]
        if head.endswith(_ABBREVIATIONS) or re.search(r"(?:^|\s)[A-Z]$", head):
            continue   # 'e.g. X', 'et al. 2020', initials: not an end
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    return spans
