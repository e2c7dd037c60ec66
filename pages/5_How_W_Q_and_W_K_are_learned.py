"""Stage 5: how W_Q and W_K are learned: a task whose answer needs attention, a loss on the output, training live,
and one gradient step backwards through the chain in numbers."""
import streamlit as st

import explainer
import frame
from explainer import learning
from lesson import charts
from lesson import learning_views as views
from lesson.state import SETTINGS

PAGE = "pages/5_How_W_Q_and_W_K_are_learned.py"
TRAINED = "learning_trained"  # the trainings (seed, steps, rate) this session has run: their results are shown
SNAPSHOT = "learning_snapshot"  # the snapshot scrubbed to
view = frame.start(PAGE)
state, focus = view.state, view.focus
sentence = state.sentence
settings = (state.seed, state.train_steps, state.train_rate)

st.title("5 · How W_Q and W_K are learned")
frame.text(
    "The designed weights on the other pages were set by hand. A real transformer starts from random W_Q and W_K "
    "and **learns** them, by backpropagation, from a task. Here is a small task whose answer needs attention.\n\n"
    + views.task() + " A few training sentences, each word with the word it must fetch from:\n\n"
    + views.examples(state.seed) + "\n\n"
    "The loss compares the **output O** with the targets; it never looks at the attention. So nobody tells the "
    "model where to look: the pattern is *discovered*, because looking at the right word is the only way to the "
    "right output.",
    frame.formula(views.LOSS),
    f"The model is the lesson's chain with {views.MODEL}, whatever the sidebar says. W_V is the designed one and "
    "stays fixed; W_Q and W_K start from the random weights of the seed and move by plain gradient descent on all "
    "64 training sentences at once: W ← W − η·dW.",
    "## Train it")
rate_input, steps_input, seed_input = st.columns(3)
rate_input.number_input(**frame.bound("train_rate", "page"))
steps_input.number_input(**frame.bound("train_steps", "page"))
seed_input.number_input(**frame.bound("seed", "page"))
if st.button("Train", key="learning_train", type="primary", icon=":material/play_arrow:"):
    progress = st.progress(0.0, text="Training…")

    def moved(done: int, steps: int) -> None:
        if done == steps or done % max(1, steps // 20) == 0:
            progress.progress(done / steps, text=f"Training: step {done} of {steps}")

    try:
        learning.trained(*settings, on_step=moved)
        st.session_state[TRAINED] = st.session_state.get(TRAINED, set()) | {settings}
    except ValueError as problem:
        st.error(f"Training could not run with these settings: {problem}. Try a smaller learning rate.")
    progress.empty()

trained = settings in st.session_state.get(TRAINED, set()) or state.weight_set == "trained"
result = learning.trained(*settings) if trained else None
start = explainer.random_weights(state.seed)  # the random start: training's own step 0
W_Q, W_K = start.W_Q, start.W_K  # the weights the gradient step starts from: the snapshot shown
comparison = None
if result is None:
    st.info("Press **Train** to watch W_Q and W_K being learned with these settings.")
else:
    st.markdown(views.loss_note(result) + " " + views.held_out(result))
    steps = [int(step) for step in result.snapshot_steps]
    if st.session_state.get(SNAPSHOT) not in steps:
        st.session_state[SNAPSHOT] = steps[0]
    curve = views.loss_curve(result)
    frame.chart(charts.lines(curve, x="step", y="loss", title="Training loss, step by step",
                             y_title="loss (mean squared error)", mark_x=st.session_state[SNAPSHOT]),
                alt_text=views.loss_note(result), numbers=curve)  # the dashed line: the snapshot scrubbed to
    shown = st.select_slider("Scrub through training: the attention after this many steps", steps, key=SNAPSHOT)
    index = steps.index(shown)
    W_Q, W_K = result.W_Q_snapshots[index], result.W_K_snapshots[index]
    learned, hand = views.snapshot(sentence, result, len(steps) - 1), views.designed(sentence)
    for column, matrix in zip(st.columns(3), (views.snapshot(sentence, result, index), learned, hand), strict=True):
        with column:
            frame.matrix(matrix, probability=True, focus_row=focus)
    comparison = views.comparison(sentence, learned, hand)

frame.text(comparison, "## Use these weights on every page", views.as_elsewhere(view.shown))
in_use = SETTINGS["weight_set"].word(state.weight_set)
frame.matrix(view.shown.matrix("attention"), probability=True, focus_row=focus,
             subtitle=f"as the other pages show it, weights: {in_use}")
if state.weight_set == "trained":
    st.caption(f"Every page now uses the weights trained here ({state.train_steps} steps, learning rate "
               f"{state.train_rate:g}, seed {state.seed}); the link keeps them.")
elif result is not None:
    st.button("Use the trained weights on every page", key="learning_use", icon=":material/check:",
              on_click=frame.store.update,
              args=({"weight_set": "trained"},))
else:
    st.caption("Train first: then a button here puts the trained weights on every page.")

frame.text("## One gradient step, in numbers")
if st.toggle("Show one gradient step for your sentence, backwards through the chain", key="learning_gradient"):
    step = views.gradient_step(sentence, W_Q, W_K, state.train_rate)
    start_step = 0 if result is None else shown  # the step the weights W_Q, W_K are the snapshot of
    frame.text(
        f"{views.step_from(start_step)}, one step for *{sentence}* alone (training averages "
        f"this over its 64 sentences). Each word's target is the one the task's rule gives it. {step.note(focus)} "
        f"The row of **{view.focus_word}** is outlined. Small gradients are shown times a power of ten, said in "
        "each title.",
        frame.formula(views.STEPS["dO"]))
    for column, name in zip(st.columns(2), ("d_output", "d_attention"), strict=True):
        with column:
            frame.matrix(step.matrix(name), focus_row=focus)
    key, worked = step.worked_softmax(focus)
    frame.text(
        step.through_values(),
        "**Through softmax.** A row's weights always add up to 1, so raising one score takes weight from every "
        "other key. The Jacobian of a row, ∂Aᵢⱼ/∂Sᵢₗ = Aᵢⱼ(δⱼₗ − Aᵢₗ)/√d_k (δⱼₗ is 1 when j = l and 0 otherwise: "
        "raising a score raises its own weight and lowers the others), applied to the row's gradient gives: each "
        "score's gradient is its weight times how much its dA beats the row's weighted average — a key with weight "
        f"near 0, or near 1, gets almost no gradient. For **{view.focus_word}** and "
        + ("itself" if key == focus else f"**{step.labels[key]}**") + ", in the powers of ten of the matrices:",
        frame.formula(views.STEPS["dS"]), frame.formula(worked))
    weights_column, gradient_column = st.columns(2)
    with weights_column:
        frame.matrix(step.attention(start_step), probability=True, focus_row=focus)
    with gradient_column:
        frame.matrix(step.matrix("d_scores"), focus_row=focus)
    st.latex(views.STEPS["dQK"])
    for column, name in zip(st.columns(2), ("dQ", "dK"), strict=True):
        with column:
            frame.matrix(step.matrix(name), focus_row=focus)
    frame.text(frame.formula(views.update(step.learning_rate)), step.loss_change())
    frame.matrix(step.matrix("dW_Q"))
    frame.matrix(step.matrix("dW_K"))

frame.check_yourself(5, view.shown, focus)
frame.footer(PAGE)
