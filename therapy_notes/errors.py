"""Error hierarchy.

`UserFacingError` means the environment failed (no microphone, network down, disk full):
the app shows its message and keeps running. Anything else is a bug. Adapters translate
third-party exceptions into these at their boundary, so services never see library types.
"""


class TherapyNotesError(Exception):
    """Base of every error this package raises on purpose."""


class UserFacingError(TherapyNotesError):
    """The environment failed; the message says what happened and what the user can do."""


class AudioDeviceError(UserFacingError):
    """PortAudio is missing, there is no input device, or the device failed."""


class MicrophoneMissingError(AudioDeviceError):
    """No input device is connected, or the chosen one is not there any more."""


class MicrophonePermissionError(AudioDeviceError):
    """The operating system refused this app access to the microphone."""


class MicrophoneLostError(AudioDeviceError):
    """The microphone stopped delivering audio mid-session (unplugged, taken by another app)."""


class AudioFileError(UserFacingError):
    """A recording could not be read."""


class AuthError(UserFacingError):
    """The speech service refused the credentials (401/403). Never retried."""


class EngineUnavailableError(UserFacingError):
    """The speech engine could not be reached or went away for good."""


class ModelError(UserFacingError):
    """The speech recognition model is missing, corrupt or unreadable."""


class StorageError(UserFacingError):
    """The database could not be read or written (disk full, I/O error, corrupt file)."""


class NotFoundError(UserFacingError):
    """A patient, session or note asked for by id does not exist."""


class ProtocolError(TherapyNotesError):
    """A peer sent something the Realtime protocol does not allow."""


class NoteLockedError(UserFacingError):
    """A signed note was asked to change; signed notes change only through addenda."""


class EditConflictError(UserFacingError):
    """Someone else saved the same entry first: this save was refused, nothing overwritten."""


class SignatureMismatchError(UserFacingError):
    """A signed note no longer matches its signature: it was changed outside the app."""


class PermissionDeniedError(UserFacingError):
    """The signed-in user's role does not allow the action (e.g. an admin signing a note)."""


class LoginFailedError(UserFacingError):
    """The user name or password is wrong."""


class UnlockError(UserFacingError):
    """The database key is missing or wrong: nothing was read, created or changed."""


class TranscriptionIncompleteError(UserFacingError):
    """The engine stopped answering before every turn of the audio was transcribed."""


class DatabaseDamagedError(StorageError):
    """The database file is empty or damaged: it is refused, never written to or replaced."""
