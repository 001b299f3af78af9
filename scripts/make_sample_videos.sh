#!/usr/bin/env bash
# Regenerate the sample videos the Gemini/Veo emulator serves.
#
# Needs ffmpeg with libx264 and the native AAC encoder (Debian: apt-get install -y ffmpeg). The
# emulator itself never runs ffmpeg: the MP4s are committed to proxy/emulator/samples/ and ship
# with the package.
#
# Output, for every size Veo makes (720p, 1080p, 4k; landscape 16:9 and portrait 9:16) and every
# length 3..10 s:
#   {landscape,portrait}_{720p,1080p,4k}_{N}s.mp4         H.264 video + AAC audio (Veo 3 has sound)
#   {landscape,portrait}_{720p,1080p,4k}_{N}s_silent.mp4  video only (Vertex generateAudio: false)
#   {landscape,portrait}_720p_{N}s_edit{0,1,2}.mp4      the same in other colours: an Omni edit's answer, picked
#                                                        by its prompt, so an edit visibly differs from its source
# Each is a flat picture at 24 frames per second (Veo's rate: cloud.google.com/vertex-ai/generative-ai/docs/
# models/veo/3-0-generate-001, fps 24) with a white box that moves across it (so thumbnails and spritesheets of
# different moments differ), with a mono AAC track of a 440 Hz tone (a sound, not silence), so a 4K clip stays
# about 100 KB while ffprobe still reports the size, length, frame rate and streams Veo would give.
# moov first (+faststart) so the files play while streaming; bit-exact so reruns give the same bytes.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/../proxy/emulator/samples}"
mkdir -p "$out"
rm -f "$out"/*.mp4

make() {  # make NAME WIDTH HEIGHT SECONDS COLOUR
    local name="$1" w="$2" h="$3" secs="$4" colour="$5"
    # A flat background and a white box, a sixth of the picture, crossing it from left to right.
    local inputs=(-f lavfi -i "color=c=${colour}:s=${w}x${h}:r=24:d=${secs}"
                  -f lavfi -i "color=c=white:s=$((w / 6))x$((h / 6)):r=24:d=${secs}")
    local picture=(-filter_complex "[0:v][1:v]overlay=x=(W-w)*t/${secs}:y=H/3:eval=frame[v]" -map "[v]")
    local common=(-c:v libx264 -preset veryfast -pix_fmt yuv420p -crf 51 -g 240
                  -map_metadata -1 -fflags +bitexact -flags:v +bitexact -movflags +faststart -t "$secs")
    ffmpeg -hide_banner -loglevel error -y "${inputs[@]}" -f lavfi -i "sine=frequency=440:sample_rate=24000:duration=${secs}" \
        "${picture[@]}" -map 2:a "${common[@]}" -c:a aac -b:a 12k -flags:a +bitexact -shortest "$out/${name}_${secs}s.mp4"
    ffmpeg -hide_banner -loglevel error -y "${inputs[@]}" "${picture[@]}" "${common[@]}" -an "$out/${name}_${secs}s_silent.mp4"
}

for secs in 3 4 5 6 7 8 9 10; do
    make landscape_720p 1280 720 "$secs" 0x2a4d8f
    make portrait_720p 720 1280 "$secs" 0x2a4d8f
    make landscape_1080p 1920 1080 "$secs" 0x2f7d4a
    make portrait_1080p 1080 1920 "$secs" 0x2f7d4a
    make landscape_4k 3840 2160 "$secs" 0x8f3a2a
    make portrait_4k 2160 3840 "$secs" 0x8f3a2a
    for k in 0 1 2; do
        edit_colours=("0xb5562d" "0x6a2d8f" "0x2d8f86")
        make "landscape_720p_edit${k}" 1280 720 "$secs" "${edit_colours[$k]}"
        make "portrait_720p_edit${k}" 720 1280 "$secs" "${edit_colours[$k]}"
    done
done
du -sh "$out"
