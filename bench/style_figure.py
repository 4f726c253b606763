"""The style comparison figure: classic filters vs the CartoonGAN styles.

One photo through detect -> geometry (built-in VAE, deterministic) -> warp,
then each style on the warped 512 crop. Panels (a 320 px window on the face
at full resolution, so sharpness can be judged): the photo, geometry only,
the classic `cartoon` and `stylization` filters, then each shipped CartoonGAN
style at working sides 256 (the default) and 512, all with the pipeline's
default style weight (0.8 painted, 0.2 warped photo).

    python bench/style_figure.py --out docs/figures/styles_astronaut.jpg [--photo PATH]

The default photo is NASA's astronaut portrait (public domain,
skimage.data.astronaut), the only one committed.
"""

import argparse
import os
import sys

import cv2
import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tf_deepexag import fileio, pipeline  # pylint: disable=wrong-import-position
from tf_deepexag.style import cartoongan_weights, stylizers  # pylint: disable=wrong-import-position

WINDOW = 320  # pixels of the 512 crop shown, centred on the face


def _label(panel, text):
    panel = panel.copy()
    cv2.rectangle(panel, (0, 0), (panel.shape[1], 26), (255, 255, 255), -1)
    cv2.putText(panel, text, (6, 19), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 1,
                cv2.LINE_AA)
    return panel


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="Figure file (.jpg or .png).")
    parser.add_argument("--photo", default=None, help="A portrait. Default: the astronaut.")
    parser.add_argument("--columns", type=int, default=4, help="Panels a row. Default: 4.")
    args = parser.parse_args()
    if args.photo:
        photo = fileio.read_image(args.photo)
    else:
        from skimage import data as skdata  # pylint: disable=import-outside-toplevel
        photo = skdata.astronaut()
    artist = pipeline.build_caricaturist(style="none")
    result = artist(photo, seed=0)[0]
    c = result.warped.shape[0] // 2
    centre = np.round(result.generated_points.mean(axis=0)).astype(int)
    x0 = int(np.clip(centre[0] - WINDOW // 2, 0, 2 * c - WINDOW))
    y0 = int(np.clip(centre[1] - WINDOW // 2, 0, 2 * c - WINDOW))
    window = lambda image: image[y0:y0 + WINDOW, x0:x0 + WINDOW]  # noqa: E731
    panels = [_label(window(result.photo), "photo"),
              _label(window(result.warped), "geometry only")]
    for spec in ("cartoon", "stylization"):
        panels.append(_label(window(stylizers.make_stylizer(spec)(result.warped)),
                             f"classic '{spec}'"))
    for style in cartoongan_weights.SHIPPED_STYLES:
        for side in (256, None):
            stylizer = stylizers.make_stylizer(
                f"cartoongan:{style}", max_side=side,
                style_weight=pipeline.DEFAULT_STYLE_WEIGHT)
            tag = " (default)" if (f"cartoongan:{style}" == stylizers.DEFAULT_STYLE
                                   and side == pipeline.DEFAULT_STYLE_MAX_SIDE) else ""
            panels.append(_label(window(stylizer(result.warped)),
                                 f"{style} @{side or 2 * c}{tag}"))
            print(panels[-1].shape, style, side, flush=True)
    while len(panels) % args.columns:
        panels.append(np.full_like(panels[0], 255))
    rows = [np.concatenate(panels[i:i + args.columns], axis=1)
            for i in range(0, len(panels), args.columns)]
    fileio.write_image(args.out, np.concatenate(rows, axis=0))
    print("wrote", args.out)


if __name__ == "__main__":
    main()
