//! A problem of your own, CPU-bound with uneven items: the Mandelbrot set,
//! one item per row. A row through the set iterates up to the limit at
//! every pixel; a row far outside it escapes at once, so static blocks of
//! rows are uneven and dynamic scheduling has something to win.
//!
//! Its state is serde's, so it also runs on worker processes (the
//! `process` backend), whose workers are this bench binary itself.
//!
//! `cargo bench --bench mandelbrot` measures it (merged into
//! `reports/runs/<machine>.json`, then the report); `cargo test --bench
//! mandelbrot` checks every combination against the sequential loop once.

use parbench::problem::Problem;

/// What every row reads: the view of the complex plane and the limit.
/// Serde's, so worker processes can carry it (`bench_main!(.., serde)`).
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct View {
    width: usize,
    height: usize,
    max_iterations: u32,
    /// The top-left corner and the size of one pixel.
    re0: f64,
    im0: f64,
    step: f64,
}

struct Mandelbrot {
    view: View,
}

impl Problem for Mandelbrot {
    parbench::u64_output!();
    type State = View;

    fn name(&self) -> &str {
        "mandelbrot"
    }

    fn about(&self) -> String {
        let v = &self.view;
        format!(
            "the Mandelbrot set, {}x{} pixels, at most {} iterations: one item per row; \
             rows through the set cost up to {}x rows outside it",
            v.width, v.height, v.max_iterations, v.max_iterations
        )
    }

    fn items(&self) -> usize {
        self.view.height
    }

    fn state(&self) -> anyhow::Result<View> {
        Ok(self.view.clone())
    }

    /// The iterations of every pixel of row `row`, summed.
    fn item(view: &View, row: usize) -> u64 {
        let im = view.im0 + row as f64 * view.step;
        (0..view.width)
            .map(|column| {
                let re = view.re0 + column as f64 * view.step;
                let (mut x, mut y, mut n) = (0.0f64, 0.0f64, 0);
                while n < view.max_iterations && x * x + y * y <= 4.0 {
                    (x, y) = (x * x - y * y + re, 2.0 * x * y + im);
                    n += 1;
                }
                u64::from(n)
            })
            .sum()
    }
    // `sums` stays true: the total of every row's iterations is a count,
    // which the shared-mutable strategies accumulate.
}

/// 256 x 128 pixels over [-2.2, 0.8] x [-0.3, 1.2], up to 256 iterations:
/// the set fills the first rows and thins out in the later ones, so two
/// static halves of the rows are far from equal work.
fn problem() -> Mandelbrot {
    let (width, height) = (256, 128);
    Mandelbrot {
        view: View {
            width,
            height,
            max_iterations: 256,
            re0: -2.2,
            im0: -0.3,
            step: 3.0 / width as f64,
        },
    }
}

parbench::bench_main!(problem(), serde);
