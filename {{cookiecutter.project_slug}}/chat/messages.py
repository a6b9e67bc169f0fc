"""Messages of the chat socket."""

from typing import Literal

from chanx.messages.base import BaseMessage
from pydantic import BaseModel, Field


class ChatMessagePayload(BaseModel):
    """What a member said, and under which name."""

    message: str = Field(min_length=1, max_length=2000)
    name: str = Field(min_length=1, max_length=50)


class NewChatMessage(BaseMessage):
    """A message for everyone else in the room."""

    action: Literal["new_chat_message"] = "new_chat_message"
    payload: ChatMessagePayload
