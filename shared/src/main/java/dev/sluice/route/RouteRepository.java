package dev.sluice.route;

import java.util.List;
import java.util.Optional;

/** Where model routes live, keyed by alias. */
public interface RouteRepository {
    Optional<Route> find(String alias);

    List<Route> findAll();

    void put(Route route);

    /** Removes the alias; nothing happens when it does not exist. */
    void delete(String alias);
}
