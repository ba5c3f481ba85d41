"""`make run` stops with the apt-get line, not a stack trace, when Pango is missing."""

import builtins

from sponsorship import syscheck


def test_syscheck_with_weasyprint_libraries_passes():
    assert syscheck.main() == 0


def test_syscheck_missing_pango_prints_apt_line(monkeypatch, capsys):
    real_import = builtins.__import__

    def failing_import(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0': No such file or directory")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", failing_import)
    assert syscheck.main() == 1
    err = capsys.readouterr().err
    assert "apt-get install -y libpango-1.0-0" in err
    assert "Traceback" not in err
