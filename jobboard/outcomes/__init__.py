"""Programme outcomes: the way from sign-up to a doctor at work, counted from the pipeline's
history and drawn, for the programme's administrators (across employers, under the small-numbers
rule) and for each employer (its own figures).

``steps`` names the steps and reads the days an application reached them; ``scope`` the period
and the dimensions; ``paths`` each person's way through the steps; ``funnel``, ``programme`` and
``employer`` the figures, as ``tables``; ``privacy`` the small-numbers rule; ``charts`` the SVG.
"""
