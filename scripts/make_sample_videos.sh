#!/usr/bin/env bash
# Regenerate the tiny sample videos the Gemini/Veo emulator serves.
#
# Needs ffmpeg with libx264 (Debian: apt-get install -y ffmpeg). The emulator itself never
# runs ffmpeg: the MP4s are committed to proxy/emulator/samples/ and ship with the package.
#
# Output: landscape_{4..8}s.mp4 (160x90, 16:9) and portrait_{4..8}s.mp4 (90x160, 9:16),
# H.264 testsrc at 10 fps and a low bitrate (a few KB per second), moov atom first
# (+faststart) so the files play while streaming.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/../proxy/emulator/samples}"
mkdir -p "$out"

make() {  # make NAME WIDTH HEIGHT SECONDS
    local name="$1" w="$2" h="$3" secs="$4"
    ffmpeg -hide_banner -loglevel error -y \
        -f lavfi -i "testsrc=size=${w}x${h}:rate=10:duration=${secs}" \
        -c:v libx264 -preset veryslow -profile:v baseline -pix_fmt yuv420p \
        -b:v 12k -maxrate 16k -bufsize 32k -g 50 \
        -t "$secs" -an -map_metadata -1 -fflags +bitexact -flags:v +bitexact \
        -movflags +faststart \
        "$out/${name}_${secs}s.mp4"
}

for secs in 4 5 6 7 8; do
    make landscape 160 90 "$secs"
    make portrait 90 160 "$secs"
done
ls -l "$out"
