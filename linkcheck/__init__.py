"""linkcheck: are the sources an article cites still there, and do they still support it?"""

__version__ = "0.1.0"
