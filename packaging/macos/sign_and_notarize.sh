#!/usr/bin/env bash
# Sign TherapyNotes.app with the hardened runtime, build the DMG, notarise and staple it.
#
#   packaging/macos/sign_and_notarize.sh dist/TherapyNotes.app dist/TherapyNotes-0.1.0.dmg
#
# Driven by the environment, so the same script runs on a release machine and in CI:
#   MACOS_SIGNING_IDENTITY  "Developer ID Application: ... (TEAMID)", in the keychain
#   APPLE_ID                the Apple ID that submits for notarisation
#   APPLE_TEAM_ID           the team of that identity
#   APPLE_APP_PASSWORD      an app-specific password for APPLE_ID
# Without a signing identity the DMG is still built, unsigned (it opens with a Gatekeeper
# warning, fine for testing); without the Apple ID settings it is signed but not notarised.
set -euo pipefail

app="${1:?usage: sign_and_notarize.sh PATH/TherapyNotes.app PATH/OUT.dmg}"
dmg="${2:?usage: sign_and_notarize.sh PATH/TherapyNotes.app PATH/OUT.dmg}"
here="$(cd "$(dirname "$0")" && pwd)"
entitlements="$here/entitlements.plist"

build_dmg() {
  rm -f "$dmg"
  dmgbuild -s "$here/dmg_settings.py" -D app="$app" "Therapy Notes" "$dmg"
}

if [ -z "${MACOS_SIGNING_IDENTITY:-}" ]; then
  echo "sign_and_notarize: MACOS_SIGNING_IDENTITY is not set; building an UNSIGNED DMG" \
       "(Gatekeeper will warn; set the signing variables for a release)."
  build_dmg
  exit 0
fi

echo "sign_and_notarize: signing nested code with the hardened runtime"
# Inside out: every library and extension first, then the executables, then the bundle.
# (codesign --deep is deprecated for signing and skips files in Resources.)
while IFS= read -r -d '' file; do
  if file -b "$file" | grep -q "Mach-O"; then
    codesign --force --timestamp --options runtime \
      --sign "$MACOS_SIGNING_IDENTITY" "$file"
  fi
done < <(find "$app/Contents" -type f \( -name "*.dylib" -o -name "*.so" -o -perm -u+x \) \
           ! -path "*/Contents/MacOS/*" -print0)
for exe in "$app"/Contents/MacOS/*; do
  codesign --force --timestamp --options runtime --entitlements "$entitlements" \
    --sign "$MACOS_SIGNING_IDENTITY" "$exe"
done
codesign --force --timestamp --options runtime --entitlements "$entitlements" \
  --sign "$MACOS_SIGNING_IDENTITY" "$app"
codesign --verify --strict --verbose=2 "$app"

build_dmg
codesign --force --timestamp --sign "$MACOS_SIGNING_IDENTITY" "$dmg"

if [ -z "${APPLE_ID:-}" ] || [ -z "${APPLE_TEAM_ID:-}" ] || [ -z "${APPLE_APP_PASSWORD:-}" ]; then
  echo "sign_and_notarize: APPLE_ID, APPLE_TEAM_ID or APPLE_APP_PASSWORD is not set;" \
       "the DMG is signed but NOT notarised."
  exit 0
fi

echo "sign_and_notarize: submitting for notarisation (this waits for Apple's answer)"
xcrun notarytool submit "$dmg" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
  --password "$APPLE_APP_PASSWORD" --wait
xcrun stapler staple "$dmg"
spctl --assess --type open --context context:primary-signature --verbose=2 "$dmg"
echo "sign_and_notarize: $dmg is signed, notarised and stapled"
