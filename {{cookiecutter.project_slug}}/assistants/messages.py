"""Messages of the assistant socket."""

from typing import Literal

from chanx.messages.base import BaseMessage
from pydantic import BaseModel, Field

# Long enough for a pasted paragraph, short enough to bound the cost of one turn.
MAX_QUESTION_LENGTH = 4000


class AssistantMessage(BaseMessage):
    """A question for the assistant; it answers in a stream of frames."""

    action: Literal["assistant_message"] = "assistant_message"
    payload: str = Field(min_length=1, max_length=MAX_QUESTION_LENGTH)


class StreamingPayload(BaseModel):
    """Text of the answer: one piece while streaming, all of it at the end."""

    content: str


class StreamingStartMessage(BaseMessage):
    """The assistant has started answering; tokens follow."""

    action: Literal["streaming_start"] = "streaming_start"
    payload: None = None


class StreamingMessage(BaseMessage):
    """The next piece of the answer, to append to what came before."""

    action: Literal["streaming"] = "streaming"
    payload: StreamingPayload


class CompleteStreamingMessage(BaseMessage):
    """The answer is finished; the payload holds it whole."""

    action: Literal["complete_streaming"] = "complete_streaming"
    payload: StreamingPayload
