"""The smart loudspeaker agent: ``python -m devices.speaker --help``; importable as :mod:`devices.speaker.agent`."""

from devices.speaker.agent import AgentConfig, AgentRuntime, PlayRecord, SpeakerAgent

__all__ = ["AgentConfig", "AgentRuntime", "PlayRecord", "SpeakerAgent"]
