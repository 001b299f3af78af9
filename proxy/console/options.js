// The playground's option fields, built from a model's `limits` (GET /v1/models/{id}): only valid values are
// offered; a value another choice excludes is disabled and the API's own reason is shown beside the fields.
import { el } from "./ui.js";

const LABELS = { duration_seconds: "Duration", aspect_ratio: "Aspect ratio", resolution: "Resolution",
  image_size: "Image size" };

function preferred(values, ...wanted) {
  return wanted.find((value) => value !== undefined && values.map(String).includes(String(value)));
}

/**
 * Build the fields for one model into `container`; returns {values(), update(), uploads} where values() gives
 * the chosen config ({} keys left unset when "model default" is chosen) and uploads names the file inputs.
 */
export function buildOptions(model, container, inputsContainer, note) {
  const limits = model.limits || { type: model.modality };
  const defaults = model.defaults || {};
  container.replaceChildren();
  inputsContainer.replaceChildren();
  const selects = {};
  const fields = [];
  const type = limits.type;
  if (type === "video" || type === "omni") {
    if (limits.durations) fields.push(["duration_seconds", limits.durations,
      preferred(limits.durations, defaults.duration_seconds, 8, limits.durations[0])]);
    if (limits.aspect_ratios) fields.push(["aspect_ratio", limits.aspect_ratios,
      preferred(limits.aspect_ratios, defaults.aspect_ratio, "16:9")]);
    if (limits.resolutions) fields.push(["resolution", limits.resolutions,
      preferred(limits.resolutions, defaults.resolution, "720p", limits.resolutions[0])]);
  } else if (type === "image") {
    fields.push(["aspect_ratio", limits.aspect_ratios, preferred(limits.aspect_ratios, defaults.aspect_ratio) ?? ""]);
    fields.push(["image_size", limits.image_sizes, preferred(limits.image_sizes, defaults.image_size) ?? ""]);
  }
  for (const [name, values, chosen] of fields) {
    const id = `opt-${name}`;
    const select = el("select", { id, name, "aria-describedby": "limit-note" });
    if (type === "image") select.append(el("option", { value: "" }, "Model default"));
    for (const value of values) {
      select.append(el("option", { value: String(value) }, name === "duration_seconds" ? `${value} s` : String(value)));
    }
    select.value = String(chosen ?? "");
    selects[name] = select;
    container.append(el("div", { class: "field" }, el("label", { for: id }, LABELS[name] || name), select));
  }

  const uploads = {};
  function upload(name, label, help, multiple) {
    const id = `in-${name}`;
    const input = el("input", { id, name, type: "file", accept: "image/png,image/jpeg,image/webp", multiple,
      "aria-describedby": `${id}-help` });
    uploads[name] = input;
    inputsContainer.append(el("div", { class: "field" }, el("label", { for: id }, label), input,
      el("p", { class: "help", id: `${id}-help` }, help)));
    return input;
  }
  if (type === "video") {
    if (limits.first_frame) upload("first_frame", "First frame", "Optional: the video starts from this image.", false);
    if (limits.last_frame) upload("last_frame", "Last frame", "Optional, with a first frame: the video ends here.", false);
    if (limits.reference_images) {
      const at = (limits.reference_image_durations || []).map((d) => `${d} s`).join(", ");
      upload("reference_images", "Reference images",
        `Optional: up to ${limits.reference_images} images of a subject or style${at ? `; only at ${at}` : ""}, `
        + "not with a first frame.", true);
    }
  } else if (type === "omni") {
    upload("images", "Images", `Optional: up to ${limits.max_images ?? 10} images to use in the video.`, true);
  } else if (type === "image") {
    upload("images", "Images to edit", "Optional: the model edits or combines these.", true);
  }

  function current() {
    const out = {};
    for (const [name, select] of Object.entries(selects)) out[name] = select.value;
    return out;
  }

  function references() {
    return uploads.reference_images?.files?.length || 0;
  }

  // Fields are chosen in order (duration, aspect ratio, resolution): a later field offers only the values that go
  // with the earlier choices, so no choice ever locks out an earlier field's values.
  const order = Object.keys(selects);

  /** Why `value` of `name` cannot go with the earlier choices, or null when it can. */
  function refusal(name, value, choice) {
    if (name === "duration_seconds" && references() && limits.reference_image_durations
        && !limits.reference_image_durations.map(String).includes(String(value))) {
      return `Reference images need a duration of ${limits.reference_image_durations.join(" or ")} s.`;
    }
    if (!limits.combinations) return null;
    const probe = { ...choice, [name]: String(value) };
    const keys = order.slice(0, order.indexOf(name) + 1);
    const same = (combo) => keys.every((key) => String(combo[key]) === probe[key]);
    if (limits.combinations.some(same)) return null;
    const refused = (limits.refused || []).find(same);
    return refused ? refused.message : `${LABELS[name] || name} ${value} does not go with the choices above.`;
  }

  function update() {
    const notes = [];
    for (const name of order) {
      const select = selects[name];
      for (const option of select.options) {
        if (!option.value) continue;
        const why = refusal(name, option.value, current());
        option.disabled = Boolean(why);
        option.title = why || "";
        if (why) notes.push(`${LABELS[name]} ${option.textContent}: ${why}`);
      }
      if (select.selectedOptions[0]?.disabled) {
        // An earlier choice excludes this value: move to the first one that goes with it, and say so.
        const ok = [...select.options].find((option) => !option.disabled);
        if (ok) {
          notes.unshift(`${LABELS[name]} changed to ${ok.textContent}.`);
          select.value = ok.value;
        }
      }
    }
    if (uploads.first_frame && uploads.reference_images) {
      uploads.first_frame.disabled = references() > 0;
      uploads.reference_images.disabled = (uploads.first_frame.files?.length || 0) > 0;
    }
    if (uploads.last_frame) uploads.last_frame.disabled = !(uploads.first_frame?.files?.length);
    note.textContent = notes.join(" ");
  }

  for (const [name, select] of Object.entries(selects)) select.addEventListener("change", () => update());
  for (const input of Object.values(uploads)) input.addEventListener("change", () => update());
  update();

  function values() {
    const out = {};
    for (const [name, value] of Object.entries(current())) {
      if (value === "") continue;
      out[name] = name === "duration_seconds" ? Number(value) : value;
    }
    return out;
  }
  return { type, limits, values, update, uploads, hasFields: fields.length > 0 };
}
