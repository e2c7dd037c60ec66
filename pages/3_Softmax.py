"""Stage 3: softmax turns a row of scores into probabilities; why divide by √d_k; temperature."""
import streamlit as st

import frame
from lesson import charts, figures, notes, views

PAGE = "pages/3_Softmax.py"
view = frame.start(PAGE)
trace, focus, state = view.shown, view.focus, view.state
word = view.focus_word

st.title("3 · Softmax: from scores to probabilities")
divisor, in_exponent = (r"\sqrt{d_k}\,T", r"(\sqrt{d_k}\,T)") if state.divides_by_root_dk else ("T", "T")
frame.text(
    "Raw scores can be any size and any sign. To use them as weights we want numbers between 0 and 1 that add up "
    "to 1 along each row — one probability per key for each query. Softmax does exactly that: it makes every score "
    "positive with the exponential, then divides by the row's total. Bigger scores get bigger shares, and the "
    "order of the scores never changes.",
    frame.formula(rf"a_{{ij}} = \text{{softmax}}_j\!\left(\frac{{s_{{ij}}}}{{{divisor}}}\right) = "
                  rf"\frac{{e^{{\,s_{{ij}}/{in_exponent}}}}}{{\sum_l e^{{\,s_{{il}}/{in_exponent}}}}}"),
    f"## The row of “{word}”, step by step{view.of_head}",  # the head here: in four panel titles, too wide
    f"1. **Raw scores** {notes.raw_scores(trace)}.\n"
    f"2. **Scaled**: {notes.scaled_scores(trace)}.\n"
    "3. **Exponentials**, after subtracting the row's largest scaled score: that changes nothing in the end "
    "(it cancels in the division) but keeps eˣ from overflowing. The largest becomes e⁰ = 1.\n"
    "4. **Probabilities**: each exponential divided by their sum.")
steps = views.softmax_steps(trace, focus)
PANEL = 126  # px
# two panels a row, the keys named once, on the left: the rows are the same keys, and the width a long word's name
# takes (up to the bars' limit, 100 px) goes once into the room of a phone: 2 × PANEL px of panels leave 8 px of a
# 390 px phone's page free beside the longest names. Wider than the narrowest the bars' numbers fit in
# (charts.BAR_PLOT), so that on a projector the steps are drawn about as large as the page's other charts; the
# numbers are placed for this width (more of them beside their bars, fewer across the zero line).
frame.chart(figures.grid([charts.bars(rows, x="value", y="key", title=step,
                                     unit=step.startswith("3"), probability=step.startswith("4"),
                                     rule_at=None if step.startswith(("3", "4")) else 0,  # 3, 4: between 0 and 1
                                     row_names=step.startswith(("1", "3")), plot=PANEL)
                         for step, rows in steps.items()], columns=2, width=PANEL),
            alt_text="The focus word's row in four steps: raw scores, scaled scores, exponentials and probabilities, "
                     "one bar per key.", numbers=lambda: views.softmax_table(steps), stretch=False)
total = trace.attention[focus].sum()
st.metric(f"Sum of the row of “{word}”", f"{total:.3f}", help="Every row of the attention matrix sums to 1.")
if state.causal:
    st.caption("The causal mask is on: keys after the focus word get −∞ before softmax, so their share is 0.")
frame.text(notes.cosine_spread(trace), "## All the rows: the attention matrix")
frame.matrix(trace.matrix("attention"), probability=True, focus_row=focus,
             subtitle="each row sums to 1; the columns need not")

frame.text(
    "## Why divide by √dₖ?",
    "A dot product adds up d_k products. If the entries of q and k are random with variance 1, each product has "
    "variance 1 and the sum has variance d_k: its **standard deviation grows like √dₖ**. With 512 dimensions, "
    "typical scores are around ±22, and softmax of such numbers puts almost all the weight on one key — "
    "the row **saturates**, and the gradients that training needs through the other keys vanish. Dividing by √dₖ "
    "brings the spread back to about 1 whatever d_k is. The experiment below drew thousands of random vectors "
    "(once, the same for everyone) to show it:",
    frame.formula(r"\begin{aligned} \operatorname{Var}(q\cdot k) &= "
                  r"\textstyle\sum_{i=1}^{d_k} \operatorname{Var}(q_i k_i) = d_k \\ "
                  r"\operatorname{std}(q\cdot k / \sqrt{d_k}) &= 1 \end{aligned}"))
experiment = frame.scaling_experiment()
spread = charts.lines(experiment, x="d_k", y=["std of q·k", "√d_k"], log_x=True,
                      title="Spread of q·k for random vectors", y_title="standard deviation")
largest = charts.lines(experiment, x="d_k", y=["largest weight, unscaled", "largest weight, ÷√d_k"], log_x=True,
                       y_domain=(0, 1), title="Largest weight in a row of 10 keys", y_title="largest weight (average)")
frame.chart(figures.grid([spread, largest], columns=1, width=figures.FULL_PANEL, own_colours=True),
            alt_text="The measured standard deviation of q·k follows the square root of d_k. Without scaling the "
                     "largest softmax weight climbs toward 1 as d_k grows; with scaling it stays low.",
            numbers=experiment, stretch=False)
frame.text(
    "It is √dₖ and not dₖ because it is the standard deviation, not the variance, that sets how far apart the "
    "scores are.",
    f"## Temperature: how sharp, not which{view.of_head}",  # the head here: in the chart's title, too wide
    f"Dividing the scores by a temperature T before softmax changes how sharply the weights pick a winner — "
    f"T below 1 sharpens the row toward one key, T above 1 flattens it toward uniform — but never the order of "
    f"the keys. Below, the row of **{word}**: each key j's weight as T changes while its raw score sⱼ stays as it "
    f"is — sⱼ is the sᵢⱼ above, with **{word}** as the query i. The dashed line is the current temperature "
    f"({state.temperature:g}).",
    frame.formula(rf"a_j(T) = \frac{{e^{{\,s_j/{in_exponent}}}}}{{\sum_l e^{{\,s_l/{in_exponent}}}}}"))
st.slider(**frame.bound("temperature", "page"))
sweep = views.temperature_sweep(trace, focus)
frame.chart(charts.lines(sweep, x="temperature", y="weight", color="key", log_x=True, y_domain=(0, 1),
                         mark_x=state.temperature, title="The focus word's row as T changes",
                         y_title="attention weight"),
            alt_text=f"Each key's weight in the focus word's row for temperatures from {sweep['temperature'].min():g} "
                     f"to {sweep['temperature'].max():g}.",
            numbers=lambda: views.sweep_table(sweep))
frame.text(notes.same_lines(trace, focus))

frame.check_yourself(3, trace, focus)
frame.footer(PAGE)
