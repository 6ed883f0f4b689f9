"""The ``\\p{...}`` names tiktoken's regex engine knows (Rust's ``regex-syntax``, through
``fancy-regex``): a split pattern that names another property (a block, as
``\\p{InBasicLatin}``; a POSIX name, as ``\\p{XDigit}``; a numeric value) is one tiktoken
refuses, though Python's ``regex`` reads it, so hf_bpe refuses it too
(:mod:`hf_bpe.pattern_syntax`). Found by trying every name ``regex`` knows in tiktoken 0.14
(``tests/test_pattern_syntax.py`` does so again).

Names are compared loosely, as both engines compare them: in lowercase, without spaces,
``_`` and ``-``, and without an ``is`` prefix (``\\p{IsLatin}``)::

    >>> tiktoken_knows("Latin"), tiktoken_knows("sc=Greek"), tiktoken_knows("White_Space")
    (True, True, True)
    >>> tiktoken_knows("XDigit"), tiktoken_knows("InBasicLatin"), tiktoken_knows("Block=Arrows")
    (False, False, False)
"""

from __future__ import annotations

from typing import Final

#: General categories, short and long names, in loose form (and Assigned and Any, made of them).
CATEGORIES: Final = frozenset(
    "l lu ll lt lm lo lc l& m mn mc me n nd nl no p pc pd ps pe pi pf po s sm sc sk so z zs zl zp "
    "c cc cf cs co cn letter casedletter uppercaseletter lowercaseletter titlecaseletter "
    "modifierletter otherletter mark combiningmark nonspacingmark spacingmark enclosingmark number "
    "decimalnumber letternumber othernumber punctuation connectorpunctuation dashpunctuation "
    "openpunctuation closepunctuation initialpunctuation finalpunctuation otherpunctuation symbol "
    "mathsymbol currencysymbol modifiersymbol othersymbol separator spaceseparator lineseparator "
    "paragraphseparator other control format surrogate privateuse unassigned assigned any".split()
)
#: Scripts, by name and by code (as ``\\p{Greek}`` or ``\\p{sc=Grek}``). Scripts newer than
#: tiktoken's Unicode (in ``regex``'s, not in tiktoken's) are not among them.
SCRIPTS: Final = frozenset(
    """
    adlam adlm aghb ahom anatolianhieroglyphs arab arabic armenian armi armn avestan
    avst bali balinese bamu bamum bass bassavah batak batk beng bengali bhaiksuki bhks
    bopo bopomofo brah brahmi brai braille bugi buginese buhd buhid cakm
    canadianaboriginal cans cari carian caucasianalbanian chakma cham cher cherokee
    chorasmian chrs common copt coptic cpmn cprt cuneiform cypriot cyprominoan cyrillic
    cyrl deseret deva devanagari diak divesakuru dogr dogra dsrt dupl duployan egyp
    egyptianhieroglyphs elba elbasan elym elymaic ethi ethiopic gara garay geor georgian
    glag glagolitic gong gonm goth gothic gran grantha greek grek gujarati gujr gukh
    gunjalagondi gurmukhi guru gurungkhema han hang hangul hani hanifirohingya hano
    hanunoo hatr hatran hebr hebrew hira hiragana hluw hmng hmnp hung imperialaramaic
    inherited inscriptionalpahlavi inscriptionalparthian ital java javanese kaithi kali
    kana kannada katakana kawi kayahli khar kharoshthi khitansmallscript khmer khmr khoj
    khojki khudawadi kiratrai kits knda krai kthi lana lao laoo latin latn lepc lepcha
    limb limbu lina linb lineara linearb lisu lyci lycian lydi lydian mahajani mahj maka
    makasar malayalam mand mandaic mani manichaean marc marchen masaramgondi medefaidrin
    medf meeteimayek mend mendekikakui merc mero meroiticcursive meroitichieroglyphs
    miao mlym modi mong mongolian mro mroo mtei mult multani myanmar mymr nabataean nagm
    nagmundari nand nandinagari narb nbat newa newtailue nko nkoo nshu nushu
    nyiakengpuachuehmong ogam ogham olchiki olck oldhungarian olditalic oldnortharabian
    oldpermic oldpersian oldsogdian oldsoutharabian oldturkic olduyghur olonal onao
    oriya orkh orya osage osge osma osmanya ougr pahawhhmong palm palmyrene pauc
    paucinhau perm phag phagspa phli phlp phnx phoenician plrd prti psalterpahlavi qaac
    qaai rejang rjng rohg runic runr samaritan samr sarb saur saurashtra sgnw sharada
    shavian shaw shrd sidd siddham signwriting sind sinh sinhala sogd sogdian sogo sora
    sorasompeng soyo soyombo sund sundanese sunu sunuwar sylo sylotinagri syrc syriac
    tagalog tagb tagbanwa taile taitham taiviet takr takri tale talu tamil taml tang
    tangsa tangut tavt telu telugu tfng tglg thaa thaana thai tibetan tibt tifinagh tirh
    tirhuta tnsa todhri todr toto tulutigalari tutg ugar ugaritic vai vaii vith vithkuqi
    wancho wara warangciti wcho xpeo xsux yezi yezidi yi yiii zanabazarsquare zanb zinh
    zyyy
    """.split()
)
#: Binary properties and the few other names tiktoken's engine takes alone.
BINARY: Final = frozenset(
    """
    ahex alnum alpha alphabetic ascii asciihexdigit bidic bidicontrol bidim bidimirrored
    blank cased caseignorable changeswhencasefolded changeswhencasemapped
    changeswhenlowercased changeswhentitlecased changeswhenuppercased ci cntrl cwcf cwcm
    cwl cwt cwu dash defaultignorablecodepoint dep deprecated di dia diacritic digit
    ebase ecomp emod emoji emojicomponent emojimodifier emojimodifierbase
    emojipresentation epres ext extendedpictographic extender extpict graph graphemebase
    graphemeextend graphemelink grbase grext grlink hex hexdigit hyphen idc
    idcompatmathcontinue idcompatmathstart idcontinue ideo ideographic ids idsb
    idsbinaryoperator idst idstart idstrinaryoperator idsu idsunaryoperator joinc
    joincontrol loe logicalorderexception lower lowercase math mcm modifiercombiningmark
    nchar noncharactercodepoint oalpha odi ogrext oidc oids olower omath otheralphabetic
    otherdefaultignorablecodepoint othergraphemeextend otheridcontinue otheridstart
    otherlowercase othermath otheruppercase oupper patsyn patternsyntax
    patternwhitespace patws pcm prependedconcatenationmark print punct qmark
    quotationmark radical regionalindicator ri sd sentenceterminal softdotted space
    sterm term terminalpunctuation uideo unifiedideograph upper uppercase
    variationselector vs whitespace word wspace xidc xidcontinue xids xidstart
    """.split()
)
#: Names both engines take that do not name the same characters in both (every code point
#: tried): regex reads ``Graph``, ``Print``, ``IDC`` and ``VS`` as other properties (its
#: POSIX classes, ID_Compat_Math_Continue, ...), and for the others its newer Unicode
#: gives some characters the property that tiktoken's does not. Values of properties
#: (``scx=``, ``gcb=``, ``wb=``, ``sb=``) are named by the property's short name.
READ_OTHERWISE: Final = frozenset(
    """
    cased changeswhencasemapped cwcm changeswhentitlecased cwt changeswhenuppercased cwu dia
    diacritic extendedpictographic extpict graph idc lower lowercase patsyn patternsyntax print vs
    scx=deva scx=devanagari scx=inherited scx=qaai scx=zinh scx=kannada scx=knda scx=latin
    scx=latn scx=malayalam scx=mlym scx=nand scx=nandinagari scx=newa scx=sharada scx=shrd
    scx=syrc scx=syriac scx=telu scx=telugu scx=tfng scx=tifinagh scx=tirh scx=tirhuta
    gcb=pp gcb=prepend wb=aletter wb=le sb=le sb=lo sb=lower sb=oletter
    """.split()
)
#: Short names of the properties whose values READ_OTHERWISE holds.
_SHORT: Final = {
    "scx": "scx", "scriptextensions": "scx", "gcb": "gcb", "graphemeclusterbreak": "gcb",
    "wb": "wb", "wordbreak": "wb", "sb": "sb", "sentencebreak": "sb",
}
#: Values of the properties tiktoken's engine takes as ``name=value``, besides scripts.
VALUES: Final = {
    "gc": CATEGORIES - {"any", "cs", "l&", "surrogate"} | {"cntrl", "digit", "punct"},
    "gcb": frozenset('cn control cr ex extend l lf lv lvt pp prepend regionalindicator ri sm spacingmark t v zwj'.split()),
    "wb": frozenset('aletter cr doublequote dq ex extend extendnumlet fo format hebrewletter hl ka katakana le lf mb midletter midnum midnumlet ml mn newline nl nu numeric regionalindicator ri singlequote sq wsegspace zwj'.split()),
    "sb": frozenset('at aterm cl close cr ex extend fo format le lf lo lower nu numeric oletter sc scontinue se sep sp st sterm up upper'.split()),
    "sc": SCRIPTS,
}
#: The long names of those properties.
KEYS: Final = {
    "gc": "gc", "generalcategory": "gc", "gcb": "gcb", "graphemeclusterbreak": "gcb",
    "wb": "wb", "wordbreak": "wb", "sb": "sb", "sentencebreak": "sb",
    "sc": "sc", "script": "sc", "scx": "sc", "scriptextensions": "sc",
}
#: Category names tiktoken's engine does not take alone.
_NOT_ALONE: Final = frozenset({"l&", "surrogate"})


def loose(name: str) -> str:
    """``name`` as both engines compare property names: lowercase, without spaces, ``_``
    and ``-`` (and a negating ``^``)."""
    return "".join(ch for ch in name.lower().lstrip("^") if ch not in " _-")


def read_otherwise(name: str) -> bool:
    """Whether ``\\p{name}``, which both engines take, names other characters in regex than
    in tiktoken's engine (see :data:`READ_OTHERWISE`)."""
    key, equals, value = loose(name).partition("=")
    if equals:
        return f"{_SHORT.get(key)}={value}" in READ_OTHERWISE
    return key in READ_OTHERWISE or (key.startswith("is") and key[2:] in READ_OTHERWISE)


def tiktoken_knows(name: str) -> bool:
    """Whether tiktoken's engine takes ``\\p{name}``."""
    key, equals, value = loose(name).partition("=")
    if equals:
        kind = KEYS.get(key)
        return kind is not None and value in VALUES[kind]
    for bare in (key, key[2:] if key.startswith("is") else None):
        if bare is not None and (bare in SCRIPTS or bare in BINARY or (bare in CATEGORIES and bare not in _NOT_ALONE)):
            return True
    return False
