"""QTI items written for the tests from the QTI 2.1, 2.2, 3.0 and 1.2 (Canvas) specifications (no sample files copied)."""

from __future__ import annotations

import io
import zipfile

NS = {
    "2.1": "http://www.imsglobal.org/xsd/imsqti_v2p1",
    "2.2": "http://www.imsglobal.org/xsd/imsqti_v2p2",
}
MATCH_CORRECT = "http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct"
MAP_RESPONSE = "http://www.imsglobal.org/question/qti_v2p1/rptemplates/map_response"


def item21(
    identifier: str, declaration: str, body: str, processing: str, version: str = "2.1", extra: str = ""
) -> bytes:
    """An ``assessmentItem`` of QTI 2.1 or 2.2."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<assessmentItem xmlns="{NS[version]}" xmlns:m="http://www.w3.org/1998/Math/MathML"
    identifier="{identifier}" title="{identifier}" adaptive="false" timeDependent="false">
  {declaration}
  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>
  <itemBody>{body}</itemBody>
  {processing}
  {extra}
</assessmentItem>""".encode()


def rp(template: str) -> str:
    return f'<responseProcessing template="{template}"/>'


def choice(identifier="choice1", version="2.1", multiple=False) -> bytes:
    cardinality = "multiple" if multiple else "single"
    correct = "<value>A</value><value>C</value>" if multiple else "<value>B</value>"
    return item21(
        identifier,
        f'<responseDeclaration identifier="RESPONSE" cardinality="{cardinality}" baseType="identifier">'
        f"<correctResponse>{correct}</correctResponse></responseDeclaration>",
        '<p>Which is a unit rate?</p><choiceInteraction responseIdentifier="RESPONSE" shuffle="false" '
        f'maxChoices="{0 if multiple else 1}"><prompt>Pick {"all that apply" if multiple else "one"}.</prompt>'
        '<simpleChoice identifier="A">3 miles per hour</simpleChoice><simpleChoice identifier="B">6 miles in 2 hours, per hour</simpleChoice>'
        '<simpleChoice identifier="C">12 per dozen</simpleChoice></choiceInteraction>',
        rp(MATCH_CORRECT),
        version,
        extra='<modalFeedback outcomeIdentifier="FEEDBACK" identifier="F" showHide="show">A unit rate is per one.</modalFeedback>',
    )


def partial_choice() -> bytes:
    return item21(
        "partial1",
        '<responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="identifier">'
        "<correctResponse><value>A</value><value>C</value></correctResponse>"
        '<mapping lowerBound="0" upperBound="2" defaultValue="0"><mapEntry mapKey="A" mappedValue="1"/>'
        '<mapEntry mapKey="C" mappedValue="1"/><mapEntry mapKey="B" mappedValue="-1"/></mapping></responseDeclaration>',
        '<p>Which are even?</p><choiceInteraction responseIdentifier="RESPONSE" maxChoices="0">'
        '<simpleChoice identifier="A">2</simpleChoice><simpleChoice identifier="B">3</simpleChoice>'
        '<simpleChoice identifier="C">4</simpleChoice></choiceInteraction>',
        rp(MAP_RESPONSE),
    )


def text_entry() -> bytes:
    return item21(
        "text1",
        '<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="string">'
        "<correctResponse><value>ratio</value></correctResponse></responseDeclaration>",
        '<p>A comparison of two quantities by division is a <textEntryInteraction responseIdentifier="RESPONSE" expectedLength="10"/>.</p>',
        rp(MATCH_CORRECT),
    )


def numeric(tolerance: str = 'toleranceMode="absolute" tolerance="0.01 0.01"') -> bytes:
    return item21(
        "num1",
        '<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="float">'
        "<correctResponse><value>2.5</value></correctResponse></responseDeclaration>",
        '<p>What is 5 divided by 2?</p><p><textEntryInteraction responseIdentifier="RESPONSE"/></p>',
        f"""<responseProcessing><responseCondition><responseIf><equal {tolerance}>
        <variable identifier="RESPONSE"/><correct identifier="RESPONSE"/></equal>
        <setOutcomeValue identifier="SCORE"><baseValue baseType="float">1</baseValue></setOutcomeValue></responseIf>
        <responseElse><setOutcomeValue identifier="SCORE"><baseValue baseType="float">0</baseValue></setOutcomeValue>
        </responseElse></responseCondition></responseProcessing>""",
    )


def extended() -> bytes:
    return item21(
        "essay1",
        '<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="string"/>',
        "<p>Explain how you find a unit rate.</p>"
        '<rubricBlock view="scorer"><p>Names division by the second quantity.</p></rubricBlock>'
        '<extendedTextInteraction responseIdentifier="RESPONSE"/>',
        "",
    )


def inline_choice() -> bytes:
    return item21(
        "inline1",
        '<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">'
        "<correctResponse><value>per</value></correctResponse></responseDeclaration>",
        '<p>Sixty miles <inlineChoiceInteraction responseIdentifier="RESPONSE"><inlineChoice identifier="per">per</inlineChoice>'
        '<inlineChoice identifier="plus">plus</inlineChoice></inlineChoiceInteraction> hour is a rate.</p>',
        rp(MATCH_CORRECT),
    )


def order() -> bytes:
    return item21(
        "order1",
        '<responseDeclaration identifier="RESPONSE" cardinality="ordered" baseType="identifier">'
        "<correctResponse><value>S</value><value>M</value><value>L</value></correctResponse></responseDeclaration>",
        '<orderInteraction responseIdentifier="RESPONSE"><prompt>Order from smallest to largest.</prompt>'
        '<simpleChoice identifier="L">3/4</simpleChoice><simpleChoice identifier="S">1/4</simpleChoice>'
        '<simpleChoice identifier="M">1/2</simpleChoice></orderInteraction>',
        rp(MATCH_CORRECT),
    )


def match(version: str = "2.1") -> bytes:
    return item21(
        "match1",
        '<responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="directedPair">'
        "<correctResponse><value>half one_two</value><value>third one_three</value></correctResponse>"
        '<mapping defaultValue="0" upperBound="2"><mapEntry mapKey="half one_two" mappedValue="1"/>'
        '<mapEntry mapKey="third one_three" mappedValue="1"/></mapping></responseDeclaration>',
        '<matchInteraction responseIdentifier="RESPONSE" maxAssociations="2"><prompt>Match each fraction with its ratio.</prompt>'
        '<simpleMatchSet><simpleAssociableChoice identifier="half" matchMax="1">1/2</simpleAssociableChoice>'
        '<simpleAssociableChoice identifier="third" matchMax="1">1/3</simpleAssociableChoice></simpleMatchSet>'
        '<simpleMatchSet><simpleAssociableChoice identifier="one_two" matchMax="1">1:2</simpleAssociableChoice>'
        '<simpleAssociableChoice identifier="one_three" matchMax="1">1:3</simpleAssociableChoice></simpleMatchSet></matchInteraction>',
        rp(MAP_RESPONSE),
        version,
    )


def hot_text() -> bytes:
    return item21(
        "hot1",
        '<responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="identifier">'
        "<correctResponse><value>h2</value></correctResponse></responseDeclaration>",
        '<hottextInteraction responseIdentifier="RESPONSE" maxChoices="1"><prompt>Select the rate.</prompt>'
        '<p>She drove <hottext identifier="h1">120 miles</hottext> at <hottext identifier="h2">60 miles per hour</hottext>.</p>'
        "</hottextInteraction>",
        rp(MATCH_CORRECT),
    )


def gap_match() -> bytes:
    return item21(
        "gap1",
        '<responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="directedPair">'
        "<correctResponse><value>w1 g1</value><value>w2 g2</value></correctResponse></responseDeclaration>",
        '<gapMatchInteraction responseIdentifier="RESPONSE"><prompt>Fill the blanks.</prompt>'
        '<gapText identifier="w1" matchMax="1">numerator</gapText><gapText identifier="w2" matchMax="1">denominator</gapText>'
        '<p>The top of a fraction is the <gap identifier="g1"/> and the bottom the <gap identifier="g2"/>.</p>'
        "</gapMatchInteraction>",
        rp(MATCH_CORRECT),
    )


def custom_processing() -> bytes:
    return item21(
        "custom1",
        '<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">'
        "<correctResponse><value>A</value></correctResponse></responseDeclaration>",
        '<choiceInteraction responseIdentifier="RESPONSE" maxChoices="1"><simpleChoice identifier="A">a</simpleChoice>'
        '<simpleChoice identifier="B">b</simpleChoice></choiceInteraction>',
        """<responseProcessing><responseCondition><responseIf><match><variable identifier="RESPONSE"/>
        <correct identifier="RESPONSE"/></match><setOutcomeValue identifier="SCORE"><baseValue baseType="float">2</baseValue>
        </setOutcomeValue></responseIf><responseElse><setOutcomeValue identifier="SCORE"><baseValue baseType="float">0.5</baseValue>
        </setOutcomeValue></responseElse></responseCondition></responseProcessing>""",
    )


def with_media() -> bytes:
    return item21(
        "media1",
        '<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">'
        "<correctResponse><value>A</value></correctResponse></responseDeclaration>",
        "<p>The graph shows <m:math><m:mfrac><m:mi>y</m:mi><m:mi>x</m:mi></m:mfrac></m:math>.</p>"
        '<p><img src="images/graph.png" alt="a line through the origin"/><img src="http://evil.example/x.png" alt="x"/></p>'
        '<p onclick="alert(1)"><script>alert(1)</script>Is it proportional?</p>'
        '<choiceInteraction responseIdentifier="RESPONSE" maxChoices="1"><simpleChoice identifier="A">Yes</simpleChoice>'
        '<simpleChoice identifier="B">No</simpleChoice></choiceInteraction>',
        rp(MATCH_CORRECT),
        extra='<modalFeedback outcomeIdentifier="FEEDBACK" identifier="F" showHide="show">It passes through 0.</modalFeedback>',
    )


def v3_choice() -> bytes:
    return b"""<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="v3choice" title="v3"
    adaptive="false" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>C</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>
  <qti-item-body>
    <p>What is 10% of 50?</p>
    <qti-choice-interaction response-identifier="RESPONSE" max-choices="1">
      <qti-simple-choice identifier="A">10</qti-simple-choice>
      <qti-simple-choice identifier="B">500</qti-simple-choice>
      <qti-simple-choice identifier="C">5</qti-simple-choice>
    </qti-choice-interaction>
  </qti-item-body>
  <qti-response-processing template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"/>
</qti-assessment-item>"""


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f6e0330000000049454e44ae426082"
)


def manifest(resources: list[tuple[str, str, str | None]]) -> bytes:
    """An IMS content package manifest: (identifier, href, CASE GUID label or None)."""
    entries = []
    for identifier, href, label in resources:
        metadata = ""
        if label:
            metadata = (
                '<metadata><csm:curriculumStandardsMetadataSet><csm:curriculumStandardsMetadata providerId="CASE">'
                f"<csm:setOfGUIDs><csm:labelledGUID><csm:label>{label}</csm:label>"
                "<csm:GUID>00000000-0000-4000-8000-000000000000</csm:GUID></csm:labelledGUID></csm:setOfGUIDs>"
                "</csm:curriculumStandardsMetadata></csm:curriculumStandardsMetadataSet></metadata>"
            )
        entries.append(
            f'<resource identifier="{identifier}" type="imsqti_item_xmlv2p1" href="{href}">{metadata}<file href="{href}"/></resource>'
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:csm="http://ltsc.ieee.org/xsd/imsccv1p2/imscsmd_v1p0"
    identifier="m1"><organizations/><resources>{"".join(entries)}</resources></manifest>""".encode()


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def canvas_quiz() -> bytes:
    """A Canvas classic quiz export (QTI 1.2) with one question of each type Canvas districts use."""

    def item(ident, kind, stem, presentation, processing, feedback=""):
        return f"""<item ident="{ident}" title="Question">
  <itemmetadata><qtimetadata>
    <qtimetadatafield><fieldlabel>question_type</fieldlabel><fieldentry>{kind}</fieldentry></qtimetadatafield>
    <qtimetadatafield><fieldlabel>points_possible</fieldlabel><fieldentry>1.0</fieldentry></qtimetadatafield>
  </qtimetadata></itemmetadata>
  <presentation><material><mattext texttype="text/html">{stem}</mattext></material>{presentation}</presentation>
  <resprocessing><outcomes><decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal"/></outcomes>{processing}</resprocessing>
  {feedback}
</item>"""

    def choices(ident, labels, cardinality="Single"):
        entries = "".join(
            f'<response_label ident="{i}"><material><mattext texttype="text/plain">{t}</mattext></material></response_label>'
            for i, t in labels
        )
        return f'<response_lid ident="response1" rcardinality="{cardinality}"><render_choice>{entries}</render_choice></response_lid>'

    full = '<setvar action="Set" varname="SCORE">100</setvar>'
    items = [
        item(
            "g1mc",
            "multiple_choice_question",
            "&lt;p&gt;What is 3 &amp;times; 4?&lt;/p&gt;",
            choices("r", [("101", "7"), ("102", "12"), ("103", "34")]),
            f'<respcondition continue="No"><conditionvar><varequal respident="response1">102</varequal></conditionvar>{full}</respcondition>',
            '<itemfeedback ident="general_fb"><flow_mat><material><mattext texttype="text/html">&lt;p&gt;3 groups of 4.&lt;/p&gt;</mattext></material></flow_mat></itemfeedback>',
        ),
        item(
            "g2ma",
            "multiple_answers_question",
            "&lt;p&gt;Which are prime?&lt;/p&gt;",
            choices("r", [("201", "2"), ("202", "4"), ("203", "5")], "Multiple"),
            '<respcondition continue="No"><conditionvar><and><varequal respident="response1">201</varequal>'
            '<not><varequal respident="response1">202</varequal></not><varequal respident="response1">203</varequal>'
            f"</and></conditionvar>{full}</respcondition>",
        ),
        item(
            "g3num",
            "numerical_question",
            "&lt;p&gt;What is 1/8 as a decimal?&lt;/p&gt;",
            '<response_str ident="response1" rcardinality="Single"><render_fib fibtype="Decimal"><response_label ident="answer1"/></render_fib></response_str>',
            '<respcondition continue="No"><conditionvar><or><varequal respident="response1">0.125</varequal><and>'
            '<vargte respident="response1">0.12</vargte><varlte respident="response1">0.13</varlte></and></or></conditionvar>'
            f"{full}</respcondition>",
        ),
        item(
            "g4sa",
            "short_answer_question",
            "&lt;p&gt;Name the number on top of a fraction.&lt;/p&gt;",
            '<response_str ident="response1" rcardinality="Single"><render_fib><response_label ident="answer1" rshuffle="No"/></render_fib></response_str>',
            '<respcondition continue="No"><conditionvar><varequal respident="response1">numerator</varequal>'
            f'<varequal respident="response1">the numerator</varequal></conditionvar>{full}</respcondition>',
        ),
        item(
            "g5es",
            "essay_question",
            "&lt;p&gt;Explain why 2/4 equals 1/2.&lt;/p&gt;",
            '<response_str ident="response1" rcardinality="Single"><render_fib><response_label ident="answer1" rshuffle="No"/></render_fib></response_str>',
            '<respcondition continue="No"><conditionvar><other/></conditionvar></respcondition>',
        ),
        item("g6fu", "file_upload_question", "&lt;p&gt;Upload.&lt;/p&gt;", "", ""),
    ]
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE questestinterop SYSTEM "ims_qtiasiv1p2p1.dtd">
<questestinterop xmlns="http://www.imsglobal.org/xsd/ims_qtiasiv1p2">
  <assessment ident="quiz1" title="Ratios quiz"><section ident="root_section">{"".join(items)}</section></assessment>
</questestinterop>""".encode()


def v3_with_stimulus() -> dict[str, bytes]:
    """A QTI 3.0 package: an item referring to a shared stimulus (a passage with an image) in another folder."""
    stimulus = b"""<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-stimulus xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="trip" title="The trip">
  <qti-stimulus-body><p>Maya drove 150 miles in 3 hours.</p><p><img src="media/map.png" alt="a map"/></p></qti-stimulus-body>
</qti-assessment-stimulus>"""
    item = b"""<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="trip1" title="Trip"
    adaptive="false" time-dependent="false">
  <qti-assessment-stimulus-ref identifier="trip" href="../stimuli/trip.xml" title="The trip"/>
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="float">
    <qti-correct-response><qti-value>50</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>
  <qti-item-body><p>What was her speed, in miles per hour?</p><p><qti-text-entry-interaction response-identifier="RESPONSE"/></p></qti-item-body>
  <qti-response-processing template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"/>
</qti-assessment-item>"""
    manifest = b"""<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1" identifier="m"><organizations/><resources>
  <resource identifier="trip1" type="imsqti_item_xmlv3p0" href="items/trip1.xml"><file href="items/trip1.xml"/>
    <dependency identifierref="trip"/></resource>
  <resource identifier="trip" type="imsqti_stimulus_xmlv3p0" href="stimuli/trip.xml"><file href="stimuli/trip.xml"/>
    <file href="stimuli/media/map.png"/></resource>
</resources></manifest>"""
    return {
        "imsmanifest.xml": manifest,
        "items/trip1.xml": item,
        "stimuli/trip.xml": stimulus,
        "stimuli/media/map.png": PNG,
    }


def associate() -> bytes:
    return item21(
        "assoc1",
        '<responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="pair">'
        "<correctResponse><value>half two_fourths</value><value>third thirty3</value></correctResponse>"
        '<mapping defaultValue="0" upperBound="2"><mapEntry mapKey="two_fourths half" mappedValue="1"/>'
        '<mapEntry mapKey="third thirty3" mappedValue="1"/></mapping></responseDeclaration>',
        '<associateInteraction responseIdentifier="RESPONSE" maxAssociations="2"><prompt>Pair the equal values.</prompt>'
        '<simpleAssociableChoice identifier="half" matchMax="1">1/2</simpleAssociableChoice>'
        '<simpleAssociableChoice identifier="third" matchMax="1">1/3</simpleAssociableChoice>'
        '<simpleAssociableChoice identifier="two_fourths" matchMax="1">2/4</simpleAssociableChoice>'
        '<simpleAssociableChoice identifier="thirty3" matchMax="1">0.333…</simpleAssociableChoice></associateInteraction>',
        rp(MAP_RESPONSE),
    )
