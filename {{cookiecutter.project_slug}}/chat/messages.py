"""Messages of the chat socket."""

import unicodedata
from datetime import datetime
from typing import Annotated, Literal

from chanx.messages.base import BaseMessage
from pydantic import AfterValidator, BaseModel, Field, StringConstraints

NAME_MAX_LENGTH = 50

# Control and format characters: invisible, and some (U+202E) reverse how the
# text around them reads, so a name could pass for someone else's.
HIDDEN_CATEGORIES = {"Cc", "Cf"}


def visible_only(name: str) -> str:
    for character in name:
        if unicodedata.category(character) in HIDDEN_CATEGORIES:
            raise ValueError(
                f"names cannot hold control or formatting characters (U+{ord(character):04X})"
            )
    return name


MemberName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX_LENGTH),
    AfterValidator(visible_only),
]


class ChatMessagePayload(BaseModel):
    """What a member said, and under which name.

    A signed-in member's name is their user name, whatever they send; a
    visitor's is trimmed, and refused when blank, holding hidden characters, or
    taken by a member (``chat.names``).
    """

    message: str = Field(min_length=1, max_length=2000)
    name: MemberName
    seq: int | None = Field(default=None, description="Set by the server: 1, 2, 3...")
    sent_at: datetime | None = Field(default=None, description="Set by the server.")
    member: bool = Field(
        default=False, description="Set by the server: signed in, not a visitor."
    )


class NewChatMessage(BaseMessage):
    """A message for everyone else in the room."""

    action: Literal["new_chat_message"] = "new_chat_message"
    payload: ChatMessagePayload


class ChatHistoryPayload(BaseModel):
    messages: list[ChatMessagePayload]
    missed_earlier: bool = Field(description="Some since `after` are not kept.")


class ChatHistory(BaseMessage):
    """On joining, before any live message, oldest first: the room's latest
    messages, or with ``?after=<seq>`` every message since that one."""

    action: Literal["chat_history"] = "chat_history"
    payload: ChatHistoryPayload


class HistoryAfter(BaseModel):
    after: int | None = Field(default=None, ge=0, lt=10**18)


class ChatHistoryRequest(BaseMessage):
    """Ask again for what was said since ``after``."""

    action: Literal["chat_history_request"] = "chat_history_request"
    payload: HistoryAfter
