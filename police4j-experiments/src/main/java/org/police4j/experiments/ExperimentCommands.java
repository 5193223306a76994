package org.police4j.experiments;

import java.util.List;
import org.police4j.cli.base.CommandSet;
import org.police4j.experiments.fashion.FashionCommand;
import org.police4j.experiments.paper.BeyondCommand;
import org.police4j.experiments.paper.FiguresCommand;
import org.police4j.experiments.paper.Table1Command;

/**
 * The paper's experiments as {@code police4j} subcommands (figures, table1, beyond, fashion),
 * registered in {@code META-INF/services/org.police4j.cli.base.CommandSet}: the command line finds
 * them when this module is on the class path (as in {@code police4j.jar}) without importing it.
 */
public final class ExperimentCommands implements CommandSet {

    /** Used by {@link java.util.ServiceLoader}. */
    public ExperimentCommands() {}

    @Override
    public List<Class<?>> commands() {
        return List.of(FiguresCommand.class, Table1Command.class, BeyondCommand.class, FashionCommand.class);
    }
}
