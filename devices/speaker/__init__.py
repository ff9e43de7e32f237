"""The smart loudspeaker agent: ``python -m devices.speaker --help``; importable as :mod:`devices.speaker.agent`
(one speaker), :mod:`devices.speaker.runtime` (what agents in one process share) and :mod:`devices.speaker.queue`."""

from devices.speaker.agent import AgentConfig, PlayRecord, SpeakerAgent
from devices.speaker.runtime import AgentRuntime

__all__ = ["AgentConfig", "AgentRuntime", "PlayRecord", "SpeakerAgent"]
