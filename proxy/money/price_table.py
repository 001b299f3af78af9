"""What Google charges per model, in USD, with the source of each figure (paid tier, standard, not batch).

Keys are upstream model ids (a route's ``target``; Vertex ids too). A route overrides its price with
``price:`` in routes.yaml (same fields as here), which is also how a model missing here gets one.
Fields (see proxy.money.pricing.PriceSpec): ``per_second`` {resolution: usd} with audio (Google's
default), ``per_second_silent`` without audio, ``per_image`` {size: usd}, ``input_per_million`` /
``output_per_million`` tokens, ``video_per_million`` video tokens with ``video_tokens_per_second``.

Sources:
  [P]  ai.google.dev/gemini-api/docs/pricing as transcribed verbatim on 2026-10-07 (api-evangelist/deepmind
       plans/deepmind-plans-pricing.yml, "every price_text was found verbatim in the fetched page text").
  [R]  reapi.ai "Cheapest Veo 3.1 API in 2026" (May 2026), quoting Google's per-second table of [P]:
       Standard $0.40 720p/1080p, $0.60 4k; Fast $0.10 720p, $0.12 1080p, $0.30 4k; Lite $0.05 720p (3P).
  [L]  Veo 3.1 Lite 1080p $0.08/s (docs.dev.xavier.icvr.xyz veo-3.1-lite-generate-001; 3P).
  [S]  Video without audio: half the rate with audio (Google's Veo 3 rows "$0.40 video with audio, $0.20
       video only"; docs.qingbo.dev Veo table: "enabling generate_audio=true doubles the unit price"; 3P).
  [O]  Gemini Omni: ~$0.10 per output second billed as video tokens (google-2026-11.md section 2); 5,792
       tokens per second of 720p video, $17.50 per 1M video output tokens, $1.50 per 1M input tokens,
       $9 per 1M text/thinking output tokens (runware.ai/docs/models/google-gemini-omni-flash; 3P).
  [I]  Gemini 3 Pro Image: $0.134 per 1K/2K image, $0.24 per 4K image [P]; Gemini 3.1 Flash Image: $0.045
       (512), $0.067 (1K), $0.101 (2K), $0.151 (4K) from $60 per 1M image tokens (aifreeapi.com; 3P).
  [T]  Gemini TTS, per 1M tokens (text in / audio out): 3.8 Flash TTS $0.50 / $9.00 and 3.8 Flash-Lite TTS
       $0.50 / $6.00 ("Launch pricing through December 31, 2026 ... Prices double on January 1, 2027":
       LiteLLM discussion #42776, 3P, quoting ai.google.dev/gemini-api/docs/pricing; micdrop.dev agrees for
       Lite, 3P); 3.1 Flash TTS preview $1.00 / $20.00 (litellm cost map, source ai.google.dev pricing; 3P).
       Audio is 25 tokens per second (litellm vertex_ai text_to_speech, 3P); at about 12.5 characters a
       second of speech that is 2 audio tokens per character, the estimate a budget check uses.
  [M]  Lyria: $0.04 per 30 s clip (lyria-3-clip-preview: OpenRouter's model page "30 second duration clips are
       priced at $0.04 per clip"; litellm map, source ai.google.dev pricing), $0.08 per song
       (lyria-3-pro-preview: OpenRouter "Full-length songs are priced at $0.08 per song"; lyria-3.5: litellm
       map, source ai.google.dev pricing; 3P). Billed per song, not per token.
Figures not found anywhere are left out rather than guessed: such a model costs 0 until a route sets
``price:`` (the README says so, and /v1/usage then shows 0 for it).
"""
from __future__ import annotations

_VEO_31 = {"per_second": {"720p": 0.40, "1080p": 0.40, "4k": 0.60},
           "per_second_silent": {"720p": 0.20, "1080p": 0.20, "4k": 0.30}, "source": "[P] [S]"}
_VEO_31_FAST = {"per_second": {"720p": 0.10, "1080p": 0.12, "4k": 0.30},
                "per_second_silent": {"720p": 0.05, "1080p": 0.06, "4k": 0.15}, "source": "[R] [S]"}
_VEO_31_LITE = {"per_second": {"720p": 0.05, "1080p": 0.08},
                "per_second_silent": {"720p": 0.025, "1080p": 0.04}, "source": "[R] [L] [S]"}
_VEO_30 = {"per_second": {"720p": 0.40, "1080p": 0.40}, "per_second_silent": {"720p": 0.20, "1080p": 0.20},
           "source": "[S] (Veo 3 Standard with audio $0.40, video only $0.20)"}
_VEO_30_FAST = {"per_second": {"720p": 0.15, "1080p": 0.15}, "per_second_silent": {"720p": 0.10, "1080p": 0.10},
                "source": "Veo 3 Fast with audio $0.15, video only $0.10 (aifreeapi.com Veo pricing; 3P)"}
_OMNI = {"video_per_million": 17.50, "video_tokens_per_second": 5792, "input_per_million": 1.50,
         "output_per_million": 9.00, "source": "[O]"}

_TTS_38 = {"input_per_million": 0.50, "output_per_million": 9.00, "audio_tokens_per_char": 2.0,
           "source": "[T] (launch price through 2026-12-31; doubles 2027-01-01)"}
_TTS_38_LITE = {"input_per_million": 0.50, "output_per_million": 6.00, "audio_tokens_per_char": 2.0,
                "source": "[T] (launch price through 2026-12-31; doubles 2027-01-01)"}
_TTS_31 = {"input_per_million": 1.00, "output_per_million": 20.00, "audio_tokens_per_char": 2.0, "source": "[T]"}

PRICES: dict[str, dict] = {
    "veo-3.1-generate-preview": _VEO_31, "veo-3.1-generate-001": _VEO_31,
    "veo-3.1-fast-generate-preview": _VEO_31_FAST, "veo-3.1-fast-generate-001": _VEO_31_FAST,
    "veo-3.1-lite-generate-preview": _VEO_31_LITE, "veo-3.1-lite-generate-001": _VEO_31_LITE,
    "veo-3.0-generate-001": _VEO_30, "veo-3.0-fast-generate-001": _VEO_30_FAST,
    "gemini-omni-flash-preview": _OMNI, "gemini-omni-1.1-flash": _OMNI, "gemini-omni-1.2-flash": _OMNI,
    "gemini-3-pro-image": {"per_image": {"1K": 0.134, "2K": 0.134, "4K": 0.24}, "input_per_million": 2.00,
                           "source": "[P] [I]"},
    "gemini-3.1-flash-image": {"per_image": {"512": 0.045, "1K": 0.067, "2K": 0.101, "4K": 0.151},
                               "source": "[I]"},
    # Text: [P]. 3.8 Flash: "$0.75 through December 31, 2026" input, "$3.75" output (then $1.50 / $7.50).
    "gemini-3.8-flash": {"input_per_million": 0.75, "output_per_million": 3.75, "source": "[P]"},
    "gemini-3.5-flash": {"input_per_million": 1.50, "output_per_million": 9.00, "source": "[P]"},
    "gemini-3.5-flash-lite": {"input_per_million": 0.30, "output_per_million": 2.50, "source": "[P]"},
    "gemini-3.1-pro-preview": {"input_per_million": 2.00, "output_per_million": 12.00,
                               "source": "[P] (prompts <= 200k tokens; $4 / $18 above)"},
    "gemini-3.8-flash-tts": _TTS_38, "gemini-3.8-flash-lite-tts": _TTS_38_LITE,
    "gemini-3.1-flash-tts-preview": _TTS_31,
    "lyria-3-clip-preview": {"per_song": 0.04, "source": "[M]"},
    "lyria-3-pro-preview": {"per_song": 0.08, "source": "[M]"},
    "lyria-3.5": {"per_song": 0.08, "source": "[M]"},
}
