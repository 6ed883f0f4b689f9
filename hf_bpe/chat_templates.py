"""The chat templates hf_bpe knows by name: ``chat_template="nanochat"`` (nanochat's
conversation format) and ``"nanochat-train"`` (the same, marking what nanochat trains on)::

    >>> from hf_bpe.chat_templates import named_chat_template
    >>> from hf_bpe.patterns import NANOCHAT_SPECIAL_TOKENS
    >>> specials = {text: 1000 + i for i, text in enumerate(NANOCHAT_SPECIAL_TOKENS)}
    >>> named_chat_template("nanochat", specials).startswith("{%- set ns")
    True
    >>> named_chat_template("{{ messages }}", specials) is None  # a template, not a name
    True

``HfBpeTokenizer`` looks a ``chat_template`` argument up here; the templates are plain
Jinja (strings), so a saved folder carries the template itself, not its name.
"""

from __future__ import annotations

from collections.abc import Mapping

from hf_bpe.errors import VocabularyError
from hf_bpe.patterns import NANOCHAT_SPECIAL_TOKENS

__all__ = ["NANOCHAT_CHAT_TEMPLATE", "NANOCHAT_TRAINING_CHAT_TEMPLATE", "named_chat_template", "nanochat_chat_template"]


def nanochat_chat_template(trained: bool, tools: bool = True) -> str:
    """nanochat's conversation format (``render_conversation``) as a chat template: its
    special tokens, a system message folded into the first user message, an assistant's
    content as text or as a list of parts (``text``; ``python``, a tool call, between
    ``<|python_start|>`` and ``<|python_end|>``; ``python_output``, the tool's answer,
    between ``<|output_start|>`` and ``<|output_end|>``). With ``trained``, what nanochat
    trains on (all of an assistant's turn but the tool's answers) is inside ``{% generation
    %}``; without ``tools`` (a vocabulary without those four tokens) parts are refused."""

    def mark(text: str) -> str:
        return "{% generation %}" + text + "{% endgeneration %}" if trained else text

    if tools:
        part = (
            "{%- if part['type'] == 'text' -%}" + mark("{{ part['text'] }}")
            + "{%- elif part['type'] == 'python' -%}" + mark("<|python_start|>{{ part['text'] }}<|python_end|>")
            + "{%- elif part['type'] == 'python_output' -%}<|output_start|>{{ part['text'] }}<|output_end|>"
            "{%- else -%}"
            "{{ raise_exception('nanochat knows the parts text, python and python_output, not ' + part['type']) }}"
            "{%- endif -%}"
        )
    else:
        part = (
            "{{ raise_exception('an assistant message of parts needs the special tokens <|python_start|>, "
            "<|python_end|>, <|output_start|> and <|output_end|>, which this vocabulary does not have') }}"
        )
    # A system message waits for the next user message; one that none follows would be
    # lost (nanochat's render_conversation refuses it too).
    unfolded = "{{ raise_exception('nanochat folds a system message into the user message after it: none follows') }}"
    return (
        "{%- set ns = namespace(system='', held=false) -%}"
        "<|bos|>"
        "{%- for message in messages -%}"
        "{%- if message['role'] in ('system', 'user') and message['content'] is not string -%}"
        "{{ raise_exception('nanochat takes the content of a ' + message['role'] + ' message as text, not parts') }}"
        "{%- elif message['role'] == 'system' -%}"
        "{%- if ns.held -%}" + unfolded + "{%- endif -%}"
        "{%- set ns.system = message['content'] + '\n\n' -%}"
        "{%- set ns.held = true -%}"
        "{%- elif message['role'] == 'user' -%}"
        "<|user_start|>{{ ns.system + message['content'] }}<|user_end|>"
        "{%- set ns.system = '' -%}"
        "{%- set ns.held = false -%}"
        "{%- elif message['role'] == 'assistant' -%}"
        "{%- if ns.held -%}" + unfolded + "{%- endif -%}"
        "<|assistant_start|>"
        "{%- if message['content'] is string -%}" + mark("{{ message['content'] }}")
        + "{%- else -%}{%- for part in message['content'] -%}" + part + "{%- endfor -%}{%- endif -%}"
        + mark("<|assistant_end|>")
        + "{%- else -%}"
        "{{ raise_exception('nanochat knows the roles system, user and assistant, not ' + message['role']) }}"
        "{%- endif -%}"
        "{%- endfor -%}"
        "{%- if ns.held -%}" + unfolded + "{%- endif -%}"
        "{%- if add_generation_prompt -%}<|assistant_start|>{%- endif -%}"
    )


#: nanochat's conversation format: ``chat_template="nanochat"``.
NANOCHAT_CHAT_TEMPLATE = nanochat_chat_template(trained=False)
#: The same, with ``{% generation %}`` around what nanochat trains on (an assistant's text,
#: tool calls and ``<|assistant_end|>``, not the tools' answers): ``return_assistant_tokens_mask=True``
#: then gives nanochat's mask, as TRL's assistant-only loss needs. ``chat_template="nanochat-train"``.
#: Only transformers knows that tag (plain Jinja, minijinja and llama-cpp-python refuse the
#: template), hence two: the plain one for a tokenizer that is served.
NANOCHAT_TRAINING_CHAT_TEMPLATE = nanochat_chat_template(trained=True)
_NAMED = {"nanochat": False, "nanochat-train": True}  # name -> trained
#: The special tokens the nanochat chat template uses; the tools' four only for parts.
NANOCHAT_CHAT_TOKENS = NANOCHAT_SPECIAL_TOKENS[:5]
NANOCHAT_TOOL_TOKENS = NANOCHAT_SPECIAL_TOKENS[5:9]


def named_chat_template(name: str, special_tokens: Mapping[str, int]) -> str | None:
    """The chat template called ``name`` for a vocabulary with ``special_tokens``, or None
    where ``name`` is no template's name (a template itself). nanochat's templates need its
    five conversation tokens (a :class:`~hf_bpe.VocabularyError` names the missing ones);
    without its four tool tokens, an assistant's parts are refused when rendered."""
    trained = _NAMED.get(name)
    if trained is None:
        return None
    missing = [t for t in NANOCHAT_CHAT_TOKENS if t not in special_tokens]
    if missing:
        raise VocabularyError(f"the {name} chat template needs the special tokens {missing}")
    return nanochat_chat_template(trained, tools=all(t in special_tokens for t in NANOCHAT_TOOL_TOKENS))
