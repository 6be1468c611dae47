"""Settings in two pages: what a clinician sets, and what an administrator or IT sets.

The clinician's page holds the microphone (with a test meter), the default note template,
whether audio is kept, and when the window locks; there is room below for more of the
clinician's own settings. The Advanced page holds the engine and its address, the key or
token, the model, reasoning effort, output limit, token cap and prices, and the data
folder: things that cost money or move data, which a clinician rarely needs to touch.
"""

from __future__ import annotations

from dataclasses import fields, replace
from enum import StrEnum
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from therapy_notes.domain.defaults import REASONING_EFFORTS
from therapy_notes.domain.engine_choice import EngineChoice
from therapy_notes.domain.usage import Prices
from therapy_notes.ui.controllers.settings import SettingsController
from therapy_notes.ui.settings_store import UiSettings
from therapy_notes.ui.tones import error_text

PRICE_TITLES = {
    "text_in": "Text input",
    "text_cached": "Text input, cached",
    "text_out": "Text output",
    "audio_in": "Audio input",
    "audio_cached": "Audio input, cached",
    "audio_out": "Audio output",
}
DEFAULT_DEVICE = "System default"


def _price_title(name: str) -> str:
    """A price's label; a price added to `Prices` later still gets a readable one."""
    return PRICE_TITLES.get(name) or name.replace("_", " ").capitalize()


class SettingsPage(StrEnum):
    """The dialog's pages, so a problem's fix can open the one it lives on."""

    CLINICIAN = "clinician"
    ADVANCED = "advanced"


class SettingsDialog(QDialog):
    """Edits `UiSettings`; on Save hands them and any new API key to the controller."""

    def __init__(
        self,
        controller: SettingsController,
        parent: QWidget | None = None,
        *,
        template_names: tuple[str, ...] = (),
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        self._controller = controller
        current = controller.settings
        outer = QVBoxLayout(self)

        engine_box = QGroupBox("Speech engine")
        form = QFormLayout(engine_box)
        self.engine = QComboBox()
        self.engine.setAccessibleName("Engine")
        for choice in EngineChoice:
            self.engine.addItem(choice.label, choice)
        self.engine.setCurrentIndex(list(EngineChoice).index(current.engine))
        self.custom_url = QLineEdit(current.custom_url)
        self.custom_url.setAccessibleName("Custom engine URL")
        self.custom_url.setPlaceholderText("wss://example.org/v1")
        self.engine_token = QLineEdit()
        self.engine_token.setAccessibleName("Engine token")
        self.engine_token.setEchoMode(QLineEdit.EchoMode.Password)
        self.engine_token.setPlaceholderText("from the clinic's administrator; kept in the keyring")
        self.engine_ca = QLineEdit(current.engine_ca)
        self.engine_ca.setAccessibleName("Engine certificate authority file")
        self.engine_ca.setPlaceholderText("PEM file, only for a clinic's own certificate")
        self.api_key = QLineEdit()
        self.api_key.setAccessibleName("API key")
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText("no key stored")
        self.clear_key = QCheckBox("Remove the stored key")
        self.clear_key.setAccessibleName("Remove the stored API key")
        self.key_status = QLabel("The key is kept in the system's password store, never in a file.")
        self.key_status.setWordWrap(True)
        self.key_status.setAccessibleName("API key status")
        self.model = QLineEdit(current.model)
        self.model.setAccessibleName("Model")
        self.effort = QComboBox()
        self.effort.setAccessibleName("Reasoning effort")
        self.effort.addItems(list(REASONING_EFFORTS))
        self.effort.setCurrentIndex(REASONING_EFFORTS.index(current.reasoning_effort))
        self.max_output = QSpinBox()
        self.max_output.setAccessibleName("Maximum output tokens")
        self.max_output.setRange(16, 32_000)
        self.max_output.setValue(current.max_output_tokens)
        self.token_cap = QSpinBox()
        self.token_cap.setAccessibleName("Token cap per session")
        self.token_cap.setRange(1, 100_000_000)
        self.token_cap.setSingleStep(10_000)
        self.token_cap.setGroupSeparatorShown(True)
        self.token_cap.setValue(current.token_cap)
        form.addRow("Engine", self.engine)
        form.addRow("Custom URL", self.custom_url)
        form.addRow("Engine token", self.engine_token)
        form.addRow("Engine CA file", self.engine_ca)
        form.addRow("API key", self.api_key)
        form.addRow("", self.clear_key)
        form.addRow("", self.key_status)
        form.addRow("Model", self.model)
        form.addRow("Reasoning effort", self.effort)
        form.addRow("Max output tokens", self.max_output)
        form.addRow("Token cap per session", self.token_cap)
        self.lock_after = QSpinBox()
        self.lock_after.setAccessibleName("Lock after minutes idle")
        self.lock_after.setRange(1, 240)
        self.lock_after.setSuffix(" min")
        self.lock_after.setValue(current.lock_after_min)
        self.template = QComboBox()
        self.template.setAccessibleName("Default note template")
        for name in template_names:
            self.template.addItem(name.upper(), name)
        self.template.setCurrentIndex(max(0, self.template.findData(current.template)))

        price_box = QGroupBox("Prices (USD per million tokens)")
        price_form = QFormLayout(price_box)
        self.prices: dict[str, QDoubleSpinBox] = {}
        for f in fields(Prices):
            spin = QDoubleSpinBox()
            spin.setAccessibleName(f"Price: {_price_title(f.name)}")
            spin.setRange(0.0, 10_000.0)
            spin.setDecimals(2)
            spin.setValue(getattr(current.prices, f.name))
            self.prices[f.name] = spin
            price_form.addRow(_price_title(f.name), spin)

        audio_box = QGroupBox("Microphone")
        audio_form = QFormLayout(audio_box)
        device_row = QHBoxLayout()
        self.device = QComboBox()
        self.device.setAccessibleName("Input device")
        self.device.addItem(DEFAULT_DEVICE, "")
        if current.input_device:
            self.device.addItem(current.input_device, current.input_device)
            self.device.setCurrentIndex(1)
        self.refresh_devices = QPushButton("Refresh")
        self.refresh_devices.setAccessibleName("Refresh input devices")
        self.test_button = QPushButton("Test")
        self.test_button.setCheckable(True)
        self.test_button.setAccessibleName("Test the input device")
        self.test_meter = QProgressBar()
        self.test_meter.setAccessibleName("Test input level")
        self.test_meter.setRange(0, 100)
        self.test_meter.setTextVisible(False)
        self.test_meter.setMaximumHeight(12)
        device_row.addWidget(self.device, 1)
        device_row.addWidget(self.refresh_devices)
        device_row.addWidget(self.test_button)
        self.device_status = QLabel()
        self.device_status.setWordWrap(True)
        self.device_status.setAccessibleName("Input device status")
        data_row = QHBoxLayout()
        self.data_dir = QLineEdit(current.data_dir)
        self.data_dir.setAccessibleName("Data folder")
        self.data_dir.setPlaceholderText("the standard user data folder")
        self.browse = QPushButton("Choose…")
        self.browse.setAccessibleName("Choose the data folder")
        data_row.addWidget(self.data_dir, 1)
        data_row.addWidget(self.browse)
        self.database_url = QLineEdit(current.database_url)
        self.database_url.setAccessibleName("Clinic database URL")
        self.database_url.setPlaceholderText("empty: this computer's encrypted database")
        self.database_url.setToolTip(
            "postgresql+psycopg://USER@HOST/DATABASE?sslmode=verify-full. The password is "
            "not part of it: `therapy-notes db password` keeps it in the keyring."
        )
        self.keep_audio = QCheckBox("Keep each session's audio (encrypted, on this computer)")
        self.keep_audio.setAccessibleName("Keep audio")
        self.keep_audio.setChecked(current.keep_audio)
        audio_form.addRow("Microphone", device_row)
        audio_form.addRow("Level", self.test_meter)
        audio_form.addRow("", self.device_status)
        test_hint = QLabel("Press Test and speak: the level bar should move.")
        test_hint.setWordWrap(True)
        audio_form.addRow("", test_hint)

        session_box = QGroupBox("Sessions and privacy")
        session_form = QFormLayout(session_box)
        if template_names:
            session_form.addRow("Default note template", self.template)
        session_form.addRow("", self.keep_audio)
        session_form.addRow("Lock the window after", self.lock_after)
        lock_hint = QLabel("without keyboard or mouse use; your password unlocks it.")
        lock_hint.setWordWrap(True)
        session_form.addRow("", lock_hint)

        data_box = QGroupBox("Data")
        data_form = QFormLayout(data_box)
        data_form.addRow("Data folder", data_row)
        data_form.addRow("Clinic database", self.database_url)
        data_form.addRow("", QLabel("A new data folder or database is used from the next start."))

        self.pages = QTabWidget()
        self.pages.setAccessibleName("Settings pages")
        clinician = QWidget()
        self.clinician_layout = QVBoxLayout(clinician)
        """The clinician's page: more of their own settings are added as group boxes."""
        self.clinician_layout.addWidget(audio_box)
        self.clinician_layout.addWidget(session_box)
        self.clinician_layout.addStretch(1)
        advanced = QWidget()
        columns = QHBoxLayout(advanced)
        left = QVBoxLayout()
        left.addWidget(engine_box)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(price_box)
        right.addWidget(data_box)
        right.addStretch(1)
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        self._page_index = {
            SettingsPage.CLINICIAN: self.pages.addTab(clinician, "Clinician"),
            SettingsPage.ADVANCED: self.pages.addTab(advanced, "Advanced"),
        }
        outer.addWidget(self.pages)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)

        self.engine.currentIndexChanged.connect(self._on_engine_changed)
        self.refresh_devices.clicked.connect(controller.list_devices)
        self.test_button.toggled.connect(self._on_test_button_toggled)
        self.browse.clicked.connect(self._on_browse_clicked)
        controller.key_hint_loaded.connect(self._on_key_hint_loaded)
        controller.key_failed.connect(self._on_key_failed)
        controller.devices_listed.connect(self._on_devices_listed)
        controller.devices_failed.connect(self._on_devices_failed)
        controller.test_level_measured.connect(
            lambda level: self.test_meter.setValue(round(level * 100))
        )
        self.finished.connect(lambda _result: controller.stop_test())
        self._on_engine_changed()
        controller.load_key_hint()
        controller.list_devices()

    def _error_colour(self) -> str:
        return error_text(self.palette().window().color().lightness() < 128)

    def show_page(self, page: SettingsPage) -> None:
        self.pages.setCurrentIndex(self._page_index[page])

    @property
    def page(self) -> SettingsPage:
        index = self.pages.currentIndex()
        return next(p for p, i in self._page_index.items() if i == index)

    def values(self) -> UiSettings:
        """The settings as entered."""
        base = self._controller.settings
        prices = replace(base.prices, **{k: s.value() for k, s in self.prices.items()})
        return replace(
            base,
            engine=EngineChoice(self.engine.currentData()),
            custom_url=self.custom_url.text().strip(),
            engine_ca=self.engine_ca.text().strip(),
            model=self.model.text().strip() or base.model,
            reasoning_effort=self.effort.currentText(),
            max_output_tokens=self.max_output.value(),
            token_cap=self.token_cap.value(),
            prices=prices,
            input_device=str(self.device.currentData() or ""),
            data_dir=self.data_dir.text().strip(),
            database_url=self.database_url.text().strip(),
            keep_audio=self.keep_audio.isChecked(),
            lock_after_min=self.lock_after.value(),
            template=str(self.template.currentData() or base.template),
        )

    def new_api_key(self) -> str | None:
        """None keeps the stored key; "" removes it."""
        if self.clear_key.isChecked():
            return ""
        typed = self.api_key.text().strip()
        return typed or None

    def new_engine_token(self) -> str | None:
        """None keeps the stored engine token; a typed one replaces it."""
        return self.engine_token.text().strip() or None

    def _on_engine_changed(self) -> None:
        engine = self.engine.currentData()
        for field_edit in (self.custom_url, self.engine_token, self.engine_ca):
            field_edit.setEnabled(engine == EngineChoice.CUSTOM)
        cloud = engine != EngineChoice.LOCAL
        for widget in (self.api_key, self.clear_key, self.model):
            widget.setEnabled(cloud)

    def _on_key_hint_loaded(self, hint: str) -> None:
        self.api_key.clear()
        self.api_key.setPlaceholderText(f"stored key {hint}" if hint else "no key stored")

    def _on_key_failed(self, message: str) -> None:
        self.key_status.setText(message)
        self.key_status.setStyleSheet(f"color: {self._error_colour()};")

    def _on_devices_listed(self, names: list[str]) -> None:
        chosen = self.device.currentData()
        self.device.clear()
        self.device.addItem(DEFAULT_DEVICE, "")
        for name in names:
            self.device.addItem(name, name)
        index = self.device.findData(chosen)
        self.device.setCurrentIndex(max(index, 0))
        if names:
            self.device_status.setText(f"{len(names)} input device(s) found.")
            self.device_status.setStyleSheet("")

    def _on_devices_failed(self, message: str) -> None:
        self.device_status.setText(message)
        self.device_status.setStyleSheet(f"color: {self._error_colour()};")
        self.test_button.setChecked(False)

    def _on_test_button_toggled(self, on: bool) -> None:
        if on:
            self._controller.start_test(str(self.device.currentData() or ""))
        else:
            self._controller.stop_test()

    def _on_browse_clicked(self) -> None:
        start = self.data_dir.text() or str(Path.home())
        dialog = QFileDialog(self, "Choose the data folder", start)
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(self.data_dir.setText)
        dialog.open()
